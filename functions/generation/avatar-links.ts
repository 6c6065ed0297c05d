import { SubjectId, type SubjectRef, TenantId } from '../../events/identifiers.js';
import { AVATARS_PREFIX, subjectScope } from '../platform/bucket-layout.js';
import type { ObjectStore } from '../platform/object-store.js';
import { InvalidLinkRequestError } from './errors.js';
import type { ImageLinks } from './image-links.js';

/** The longest a link to an avatar lives (issue 11): the owner asks again for a fresh one. */
export const MAX_AVATAR_LINK_SECONDS = 3600;

export interface AvatarLinkDeps {
  /** The bucket, to list the generation's avatars (never another subject's: the prefix is the owner's). */
  store: Pick<ObjectStore, 'list'>;
  links: ImageLinks;
}

export interface AvatarLinks {
  generationId: string;
  expiresInSeconds: number;
  images: { key: string; url: string; expiresAt: string }[];
}

/** A generation id as the workflow names its folder: one path segment, never `..` or a `/`. */
const GENERATION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/**
 * The links the HTTP API gives the owner of a subject for the avatars of one generation, issued at read time and
 * valid at most an hour: events and e-mails carry keys, never links. The tenant is the caller's (the API
 * authenticated it); only keys under that tenant's and subject's own `avatars/` folder are ever linked.
 * @throws InvalidLinkRequestError naming the input and the accepted range
 */
export async function avatarLinksFor(
  deps: AvatarLinkDeps,
  ref: SubjectRef,
  generationId: string,
  options: { expiresInSeconds: number },
): Promise<AvatarLinks> {
  if (!TenantId.safeParse(ref.tenantId).success || !SubjectId.safeParse(ref.subjectId).success) {
    throw new InvalidLinkRequestError(`"${ref.tenantId}/${ref.subjectId}" is not a tenant and subject id`);
  }
  if (!GENERATION_ID_PATTERN.test(generationId)) {
    throw new InvalidLinkRequestError(
      `generationId "${generationId.slice(0, 140)}" is not a generation id (1-128 letters, digits, ".", "_", ":" or "-"; the generationId of its Avatars Ready event)`,
    );
  }
  const { expiresInSeconds } = options;
  if (
    !Number.isInteger(expiresInSeconds) ||
    expiresInSeconds < 1 ||
    expiresInSeconds > MAX_AVATAR_LINK_SECONDS
  ) {
    throw new InvalidLinkRequestError(
      `expiresInSeconds must be a whole number of seconds from 1 to ${MAX_AVATAR_LINK_SECONDS}, not ${expiresInSeconds}`,
    );
  }
  const scope = `${AVATARS_PREFIX}${subjectScope(ref)}`;
  // avatars/<tenant>/<subject>/<modelVersion>/<generationId>/<promptId>-<index>.png
  const keys = (await deps.store.list(scope))
    .map((o) => o.key)
    .filter((key) => key.slice(scope.length).split('/')[1] === generationId);
  const images = [];
  for (const key of keys) images.push({ key, ...(await deps.links.link(key, expiresInSeconds)) });
  return { generationId, expiresInSeconds, images };
}
