import sharp from 'sharp';
import type { ModelEndpoint, ObjectStore } from '../../functions/task-registry.js';
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
    const { modelName, metadata } = await inspectModelPackage(archive).catch((error: Error) => {
      throw new LocalModelError(`Model ${targetModel} cannot be loaded: ${error.message}`);
    });
    if (!this.loaded.has(targetModel)) {
      this.loaded.add(targetModel);
      throw new LocalModelNotReadyError(`Model ${targetModel} is loading (local stand-in, first invocation)`);
    }
    const request = JSON.parse(body) as { inputs: { name: string; data: unknown[] }[] };
    const input = (name: string) => request.inputs.find((entry) => entry.name === name)?.data[0];
    const prompt = String(input('prompt') ?? '');
    const seed = Number(input('seed') ?? 0);
    const crop = await this.trainingCrop(metadata, seed);
    const image = await placeholderAvatar(prompt, seed, crop);
    return JSON.stringify({
      model_name: modelName,
      outputs: [{ name: 'image', datatype: 'BYTES', shape: [1], data: [image.toString('base64')] }],
    });
  }

  /** One of the subject's own training crops (chosen by the seed), so the placeholder shows who it is for. */
  private async trainingCrop(
    metadata: Record<string, unknown>,
    seed: number,
  ): Promise<Uint8Array | undefined> {
    const { subjectId, imageSetId } = metadata as { subjectId?: string; imageSetId?: string };
    if (!subjectId || !imageSetId) return undefined;
    const crops = await this.store.list(`training/${subjectId}/${imageSetId}/images/`);
    const pick = crops[Math.abs(seed) % Math.max(1, crops.length)];
    return pick ? this.store.get(pick.key) : undefined;
  }
}

/**
 * A visibly labelled placeholder: the subject's crop (or a plain square), tinted by the seed, with a banner
 * saying it is a stand-in and the prompt it stands for. 512 x 512 PNG.
 */
export async function placeholderAvatar(prompt: string, seed: number, crop?: Uint8Array): Promise<Buffer> {
  const side = 512;
  const hue = Math.abs(seed * 47) % 360;
  const base = crop
    ? sharp(crop).resize(side, side, { fit: 'cover' }).modulate({ hue, saturation: 1.4 })
    : sharp({ create: { width: side, height: side, channels: 3, background: { r: 60, g: 60, b: 90 } } });
  const lines = wrap(prompt.replace(/[<>&"']/g, ' '), 48).slice(0, 5);
  const text = lines
    .map((line, i) => {
      const y = side - 12 - (lines.length - 1 - i) * 22;
      return `<text x="12" y="${y}" font-size="17" fill="#fff" font-family="sans-serif">${line}</text>`;
    })
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${side}" height="${side}">
  <rect x="0" y="0" width="${side}" height="56" fill="#000" fill-opacity="0.7"/>
  <text x="${side / 2}" y="37" font-size="21" font-weight="bold" fill="#fc6" text-anchor="middle" font-family="sans-serif">LOCAL STAND-IN - not Stable Diffusion</text>
  <rect x="0" y="${side - 24 - lines.length * 22}" width="${side}" height="${24 + lines.length * 22}" fill="#000" fill-opacity="0.65"/>
  ${text}
</svg>`;
  return base
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .png()
    .toBuffer();
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (`${line} ${word}`.trim().length > width && line) {
      lines.push(line);
      line = word;
    } else {
      line = `${line} ${word}`.trim();
    }
  }
  if (line) lines.push(line);
  return lines;
}
