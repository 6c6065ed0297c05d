/**
 * The bucket, as the domain sees it. On AWS an S3 bucket; locally a folder (see folder-object-store.ts).
 * Keys always use `/` and never start with one.
 */
export interface StoredObject {
  key: string;
  size: number;
  etag: string;
}

export interface ObjectStore {
  /** Size and etag without reading the body; throws ObjectNotFoundError. */
  head(key: string): Promise<StoredObject>;
  /** Whole body; throws ObjectNotFoundError. */
  get(key: string): Promise<Uint8Array>;
  put(key: string, body: Uint8Array | string, contentType: string): Promise<void>;
  /** Server-side copy within the bucket; throws ObjectNotFoundError when the source is missing. */
  copy(fromKey: string, toKey: string): Promise<void>;
  /** Every object under the prefix, sorted by key. */
  list(prefix: string): Promise<StoredObject[]>;
}
