import { UnexpectedGenerationResponseError } from './errors.js';
/**
 * The inference request the Triton model takes (inputs declared by sagemaker/serving/model_template/config.pbtxt,
 * served by the avatar_lora backend, sagemaker/serving/backends/avatar_lora/model.py), in the KServe v2 JSON
 * protocol that SageMaker's Triton container speaks, and the image it returns.
 */
export interface GenerationParameters {
  prompt: string;
  negativePrompt: string;
  seed: number;
  steps: number;
  guidanceScale: number;
}

export function generationRequest(parameters: GenerationParameters): string {
  return JSON.stringify({
    inputs: [
      { name: 'prompt', shape: [1], datatype: 'BYTES', data: [parameters.prompt] },
      { name: 'negative_prompt', shape: [1], datatype: 'BYTES', data: [parameters.negativePrompt] },
      { name: 'seed', shape: [1], datatype: 'INT64', data: [parameters.seed] },
      { name: 'num_inference_steps', shape: [1], datatype: 'INT32', data: [parameters.steps] },
      { name: 'guidance_scale', shape: [1], datatype: 'FP32', data: [parameters.guidanceScale] },
    ],
  });
}

/** The PNG from a response: output `image`, base64. */
export function imageFromResponse(body: string): Uint8Array {
  let parsed: { outputs?: { name: string; data?: unknown[] }[] };
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new UnexpectedGenerationResponseError(
      `The model answered with something other than JSON: ${body.slice(0, 200)}`,
    );
  }
  const data = parsed.outputs?.find((output) => output.name === 'image')?.data?.[0];
  if (typeof data !== 'string') {
    throw new UnexpectedGenerationResponseError('The model response has no "image" output');
  }
  return Buffer.from(data, 'base64');
}
