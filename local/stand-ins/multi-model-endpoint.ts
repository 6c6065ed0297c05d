import sharp from 'sharp';
import type { ModelEndpoint } from '../../functions/deployment/model-endpoint.js';
import type { ObjectStore } from '../../functions/platform/object-store.js';
import { inspectModelPackage } from './model-package.js';

export class LocalModelNotReadyError extends Error {
  override name = 'ModelNotReadyException';
  readonly $metadata = { httpStatusCode: 429 };
}

export class LocalModelError extends Error {
  override name = 'ModelError';
  readonly $metadata = { httpStatusCode: 424 };
}

/**
 * Stand-in for the GPU multi-model endpoint. It does NOT run Stable Diffusion: for a TargetModel it loads
 * `models/<TargetModel>` from the local bucket and checks it has the package layout the Triton container needs
 * (as the real endpoint would fail to load a bad one); the first invocation of a model answers "not ready"
 * once, as a cold load does; then it answers the KServe v2 request with a placeholder PNG labelled STAND-IN.
 */
export class LocalMultiModelEndpoint implements ModelEndpoint {
  readonly performedBy = 'local-stand-in' as const;
  private readonly loaded = new Set<string>();
  readonly invocations: string[] = [];

  constructor(
    private readonly store: ObjectStore,
    private readonly modelsPrefix: string,
  ) {}

  async invoke(targetModel: string, body: string): Promise<string> {
    this.invocations.push(targetModel);
    let archive: Uint8Array;
    try {
      archive = await this.store.get(`${this.modelsPrefix}${targetModel}`);
    } catch {
      throw new LocalModelError(
        `TargetModel ${targetModel} is not under ${this.modelsPrefix} in the local bucket`,
      );
    }
    const { modelName } = await inspectModelPackage(archive).catch((error: Error) => {
      throw new LocalModelError(`Model ${targetModel} cannot be loaded: ${error.message}`);
    });
    if (!this.loaded.has(targetModel)) {
      this.loaded.add(targetModel);
      throw new LocalModelNotReadyError(`Model ${targetModel} is loading (local stand-in, first invocation)`);
    }
    const request = JSON.parse(body) as { inputs: { name: string; data: unknown[] }[] };
    const prompt = String(request.inputs.find((input) => input.name === 'prompt')?.data[0] ?? '');
    return JSON.stringify({
      model_name: modelName,
      outputs: [
        {
          name: 'image',
          datatype: 'BYTES',
          shape: [1],
          data: [(await placeholder(prompt)).toString('base64')],
        },
      ],
    });
  }
}

async function placeholder(prompt: string): Promise<Buffer> {
  const escaped = prompt.replace(/[<>&"']/g, ' ').slice(0, 60);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256">
  <rect width="256" height="256" fill="#334"/>
  <text x="128" y="110" font-size="22" fill="#fc6" text-anchor="middle" font-family="sans-serif">STAND-IN</text>
  <text x="128" y="150" font-size="11" fill="#fff" text-anchor="middle" font-family="sans-serif">${escaped}</text>
</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}
