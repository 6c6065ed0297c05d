import { InvalidS3UriError } from './errors.js';
export function s3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!match) throw new InvalidS3UriError(`"${uri}" is not an s3://bucket/key URI`);
  return { bucket: match[1] as string, key: match[2] as string };
}

/** The key of an object that must be in our own bucket (a location SageMaker reports back to us). */
export function keyInBucket(uri: string, bucket: string): string {
  const parsed = parseS3Uri(uri);
  if (parsed.bucket !== bucket) {
    throw new InvalidS3UriError(`"${uri}" is not in the pipeline's bucket "${bucket}"`);
  }
  return parsed.key;
}
