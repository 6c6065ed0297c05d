import { pathToFileURL } from 'node:url';
import type { ImageLink, ImageLinks } from './image-links.js';

/** Local mode: file:// URLs into the folder that stands in for the bucket. They do not expire; expiresAt is nominal. */
export class FileImageLinks implements ImageLinks {
  constructor(
    private readonly store: { pathOf(key: string): string },
    private readonly now: () => number = Date.now,
  ) {}

  async link(key: string, expiresInSeconds: number): Promise<ImageLink> {
    return {
      url: pathToFileURL(this.store.pathOf(key)).href,
      expiresAt: new Date(this.now() + expiresInSeconds * 1000).toISOString(),
    };
  }
}
