import { DRY_RUN_PERFORMER } from '../../events/run-mode.js';
import { UnexpectedGenerationResponseError } from './errors.js';
import type { ModelEndpoint } from './model-endpoint.js';
import { placeholderPng } from './placeholder-png.js';

interface KServeRequest {
  inputs?: { name?: string; data?: unknown[] }[];
}

/**
 * Stands in for the multi-model endpoint in a dry run, on AWS as locally: it answers the same KServe v2 request
 * with placeholder PNGs (one per requested image) at once, so warm-up, screening, delivery and every event run
 * as they do live, with no GPU invoked and nothing billed for one.
 */
export class DryRunModelEndpoint implements ModelEndpoint {
  readonly performedBy = DRY_RUN_PERFORMER;

  async invoke(targetModel: string, body: string): Promise<string> {
    let request: KServeRequest;
    try {
      request = JSON.parse(body) as KServeRequest;
    } catch {
      throw new UnexpectedGenerationResponseError('The dry-run endpoint was sent something other than JSON');
    }
    const input = (name: string) => request.inputs?.find((entry) => entry.name === name)?.data;
    const seed = Number(input('seed')?.[0] ?? 0);
    const count = Math.max(1, Math.min(8, Number(input('num_images_per_prompt')?.[0] ?? 1) || 1));
    const images = Array.from({ length: count }, (_, i) =>
      placeholderPng({
        seed: seed + i,
        note: `dry-run stand-in for ${targetModel}, seed ${seed + i}: not Stable Diffusion, no GPU ran`,
      }).toString('base64'),
    );
    return JSON.stringify({
      model_name: 'dry-run-stand-in',
      outputs: [{ name: 'image', datatype: 'BYTES', shape: [count], data: images }],
    });
  }
}
