import { randomBytes } from 'node:crypto';
import { SubjectSettings } from '../../events/subject-settings.js';
import { classifyObjectKey } from '../ingest/object-key.js';
import { SETTINGS_FILE, subjectFolder } from '../platform/bucket-layout.js';
import type { ObjectStore } from '../platform/object-store.js';
import type { UploadLinks } from './api-ports.js';
import type { ApiStore } from './api-store.js';
import { InvalidRequestError } from './errors.js';
import { type ApiRequest, type ApiResponse, json, principalOf } from './http.js';
import { parseOrProblem } from './route.js';
import { CreateSubjectBody, PHOTO_CONTENT_TYPES } from './schemas.js';

export interface CreateSubjectDeps {
  store: ApiStore;
  objects: ObjectStore;
  uploads: UploadLinks;
  uploadExpirySeconds: number;
  maxFileBytes: number;
  now: () => number;
}

/**
 * POST /v1/subjects: records the subject (409 for an id the tenant used), writes its subject.json with the
 * settings and the photo list (so the set seals the moment the last photo arrives) and answers one presigned PUT
 * per photo into `tenants/<t>/subjects/<id>/`, its content type signed.
 */
export async function createSubject(request: ApiRequest, deps: CreateSubjectDeps): Promise<ApiResponse> {
  const principal = principalOf(request);
  const body = parseOrProblem(CreateSubjectBody, request.body, 'body');
  const subjectId = body.id ?? `s-${randomBytes(6).toString('hex')}`;
  const ref = { tenantId: principal.tenantId, subjectId };
  const folder = subjectFolder(ref);
  for (const [index, name] of body.photos.entries()) {
    if (classifyObjectKey(`${folder}${name}`).kind !== 'photo') {
      throw new InvalidRequestError(`"${name}" cannot be a photo of a subject folder.`, [
        {
          field: `body.photos.${index}`,
          message: 'folder junk or a reserved name (.DS_Store, __MACOSX, ._ files)',
          fix: 'name the photo like IMG_0001.jpg',
        },
      ]);
    }
  }
  const settings = SubjectSettings.parse({
    ...(body.settings ?? {}),
    photos: body.photos,
    photoCount: undefined,
    // A dry-run key never spends GPU time, whatever its settings say.
    ...(principal.mode ? { mode: principal.mode } : {}),
  });
  await deps.store.createSubject({
    tenantId: ref.tenantId,
    subjectId,
    photos: body.photos,
    createdAt: new Date(deps.now()).toISOString(),
    createdBy: principal.clientId,
  });
  await deps.objects.put(`${folder}${SETTINGS_FILE}`, JSON.stringify(settings), 'application/json');
  const uploads = await Promise.all(
    body.photos.map(async (name) => {
      const contentType = PHOTO_CONTENT_TYPES[name.split('.').pop()?.toLowerCase() ?? ''] as string;
      const link = await deps.uploads.upload(`${folder}${name}`, contentType, deps.uploadExpirySeconds);
      return { name, ...link, maxBytes: deps.maxFileBytes };
    }),
  );
  return json(201, { id: subjectId, uploads }, { location: `/v1/subjects/${subjectId}` });
}
