import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

export interface ImageLink {
  url: string;
  /** ISO 8601: when the link stops working. */
  expiresAt: string;
}

/** Port: a link a person can open to fetch one delivered avatar. Presigned S3 GET on AWS; file:// locally. */
export interface ImageLinks {
  link(key: string, expiresInSeconds: number): Promise<ImageLink>;
}

/**
 * Presigned S3 GET URLs (SigV4, at most 7 days). A presigned URL works at most as long as the credentials that
 * signed it: a Lambda role's session expires within hours, so `expiresAt` is the earlier of the requested
 * lifetime and the signing credentials' expiration, never a promise the link cannot keep.
 */
export class S3PresignedImageLinks implements ImageLinks {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
    private readonly now: () => number = Date.now,
  ) {}

  async link(key: string, expiresInSeconds: number): Promise<ImageLink> {
    const url = await getSignedUrl(this.s3, new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
      expiresIn: expiresInSeconds,
    });
    const requested = this.now() + expiresInSeconds * 1000;
    const credentials = await this.s3.config.credentials();
    const sessionEnds = credentials.expiration?.getTime() ?? Number.POSITIVE_INFINITY;
    return { url, expiresAt: new Date(Math.min(requested, sessionEnds)).toISOString() };
  }
}
