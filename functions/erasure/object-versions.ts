import { DeleteObjectsCommand, ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';
import type { FolderObjectStore } from '../platform/folder-object-store.js';
import { ErasureIncompleteError } from './errors.js';

/** S3 deletes at most this many keys (or versions) per DeleteObjects request. */
export const DELETE_BATCH_SIZE = 1000;

/** One version of an object, or a delete marker: what ListObjectVersions lists and DeleteObjects removes for good. */
export interface ObjectVersion {
  key: string;
  /** `null` for an object written before versioning was enabled (and locally, where there is one version). */
  versionId: string;
  deleteMarker: boolean;
}

/**
 * Port: every version of the objects under a prefix, and their permanent deletion. The bucket is versioned, so a
 * plain DeleteObject only adds a delete marker and the photo stays in an old version: erasure deletes versions.
 */
export interface ObjectVersions {
  /** Every version and delete marker under the prefix. */
  list(prefix: string): Promise<ObjectVersion[]>;
  /** Deletes up to DELETE_BATCH_SIZE versions for good; throws ErasureIncompleteError naming what S3 refused. */
  delete(versions: readonly ObjectVersion[]): Promise<number>;
}

export class S3ObjectVersions implements ObjectVersions {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
  ) {}

  async list(prefix: string): Promise<ObjectVersion[]> {
    const found: ObjectVersion[] = [];
    let KeyMarker: string | undefined;
    let VersionIdMarker: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectVersionsCommand({ Bucket: this.bucket, Prefix: prefix, KeyMarker, VersionIdMarker }),
      );
      for (const v of page.Versions ?? []) {
        if (v.Key) found.push({ key: v.Key, versionId: v.VersionId ?? 'null', deleteMarker: false });
      }
      for (const m of page.DeleteMarkers ?? []) {
        if (m.Key) found.push({ key: m.Key, versionId: m.VersionId ?? 'null', deleteMarker: true });
      }
      const more = page.IsTruncated === true;
      KeyMarker = more ? page.NextKeyMarker : undefined;
      VersionIdMarker = more ? page.NextVersionIdMarker : undefined;
    } while (KeyMarker);
    return found;
  }

  async delete(versions: readonly ObjectVersion[]): Promise<number> {
    if (versions.length === 0) return 0;
    if (versions.length > DELETE_BATCH_SIZE) {
      throw new RangeError(`DeleteObjects takes at most ${DELETE_BATCH_SIZE} keys, not ${versions.length}`);
    }
    const out = await this.s3.send(
      new DeleteObjectsCommand({
        Bucket: this.bucket,
        Delete: { Quiet: true, Objects: versions.map((v) => ({ Key: v.key, VersionId: v.versionId })) },
      }),
    );
    const errors = out.Errors ?? [];
    if (errors.length > 0) {
      // Codes only: the keys name subjects, and this message reaches the workflow's failure event.
      const codes = [...new Set(errors.map((e) => e.Code ?? 'Unknown'))].join(', ');
      throw new ErasureIncompleteError(
        `S3 refused to delete ${errors.length} of ${versions.length} object versions (${codes}); the erasure step is retried`,
      );
    }
    return versions.length;
  }
}

/** The local bucket (a folder) keeps one version per key: deleting it removes the file. */
export class FolderObjectVersions implements ObjectVersions {
  constructor(private readonly store: FolderObjectStore) {}

  async list(prefix: string): Promise<ObjectVersion[]> {
    return (await this.store.list(prefix)).map((o) => ({
      key: o.key,
      versionId: 'null',
      deleteMarker: false,
    }));
  }

  async delete(versions: readonly ObjectVersion[]): Promise<number> {
    if (versions.length > DELETE_BATCH_SIZE) {
      throw new RangeError(`DeleteObjects takes at most ${DELETE_BATCH_SIZE} keys, not ${versions.length}`);
    }
    for (const version of versions) await this.store.remove(version.key);
    return versions.length;
  }
}
