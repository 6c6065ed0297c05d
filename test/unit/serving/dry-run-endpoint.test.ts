import sharp from 'sharp';
import { DryRunModelEndpoint } from '../../../functions/serving/dry-run-endpoint.js';
import { generationRequest, imageFromResponse } from '../../../functions/serving/generation-request.js';
import { placeholderPng } from '../../../functions/serving/placeholder-png.js';

describe('DryRunModelEndpoint', () => {
  it('answers the KServe request with a valid PNG that says it is a dry-run stand-in', async () => {
    // Prepare
    const endpoint = new DryRunModelEndpoint();
    const body = generationRequest({
      prompt: 'a portrait of zwx person',
      negativePrompt: '',
      seed: 42,
      steps: 30,
      guidanceScale: 7.5,
    });
    // Act
    const image = imageFromResponse(await endpoint.invoke('acme/ana/v-1.tar.gz', body));
    // Assess
    const metadata = await sharp(image).metadata();
    expect(metadata).toMatchObject({ format: 'png', width: 256, height: 256, channels: 3 });
    expect(Buffer.from(image).toString('latin1')).toContain('dry-run stand-in for acme/ana/v-1.tar.gz');
    expect(endpoint.performedBy).toBe('dry-run-stand-in');
  });

  it('gives different seeds different pictures, and one seed the same bytes', () => {
    // Prepare
    const note = 'n';
    // Act
    const [a, b, c] = [1, 1, 2].map((seed) => placeholderPng({ seed, note, side: 32 }));
    // Assess
    expect(a?.equals(b as Buffer)).toBe(true);
    expect(a?.equals(c as Buffer)).toBe(false);
  });

  it('refuses a body that is not JSON with a clear error', async () => {
    // Prepare
    const endpoint = new DryRunModelEndpoint();
    // Act
    const attempt = endpoint.invoke('acme/ana/v-1.tar.gz', 'not json');
    // Assess
    await expect(attempt).rejects.toThrow(/something other than JSON/);
  });
});
