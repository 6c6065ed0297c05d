/**
 * Bundle bytes per function, against one budget table: a default for every function the stack bundles and an
 * override where a function carries more (S3 and its checksums, sharp's glue). Bytes are stable where times are
 * not: this is the part of the cold-start target that a test can hold (the times are in `npm run bench`).
 * Functions are read from the synthesized stack, so a function added to it is held to the default budget
 * without editing this file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthesizeBundledFunctions } from '../../../infra/tools/bundled-functions.js';

/** Bytes of `index.mjs` (minified, without its source map). `default` applies to every function not named. */
const BUNDLE_BUDGET_BYTES: Readonly<Record<string, number>> = {
  default: 560_000,
  // These hold an S3 client (with its checksums and XML code) beside DynamoDB's, or sharp's glue.
  compileAvatars: 690_000,
  // And the tar reader that checks the adapter package before it is deployed (no code, our backend only).
  deployModel: 720_000,
  explainTrainingFailure: 690_000,
  generateScreenedImage: 720_000,
  planTraining: 690_000,
  prepareTrainingSet: 690_000,
  // With the SSRF guard of webhook.url at ingest (ipaddr.js).
  recordPhoto: 745_000,
  startWaitingSubjects: 720_000,
  validateImages: 720_000,
  // A dry run trains inside Train: an S3 client and the tar writer of the stand-in adapter.
  startTraining: 760_000,
  // Erasure: S3 object versions; the callback deletes a late result of an erased subject.
  eraseSubjectData: 670_000,
  verifyErasure: 670_000,
  trainingCallback: 700_000,
  // HTTP API routes: each handler names only the ports its route is built with (RoutePortsWith), so a route that
  // never calls S3 or Step Functions carries neither client; the routes that list or read records alone and the
  // OpenAPI document fit the default.
  apiCancelSubject: 570_000,
  apiGetSubject: 575_000,
  // With the Powertools idempotency layer.
  apiCreateGeneration: 620_000,
  // S3: the photo list check and the presigned uploads.
  apiCreateSubject: 685_000,
  // S3 presigned links and Step Functions.
  apiGetGeneration: 715_000,
  // The webhook routes: DynamoDB and the URL guard (ipaddr.js).
  apiCreateWebhookEndpoint: 570_000,
  apiDeleteWebhookEndpoint: 570_000,
  apiEnableWebhookEndpoint: 570_000,
  apiGetWebhookEndpoint: 570_000,
  apiListWebhookAttempts: 570_000,
  apiListWebhookEndpoints: 570_000,
  apiReadDefaultWebhookSecret: 570_000,
  apiRotateDefaultWebhookSecret: 570_000,
  apiRotateWebhookEndpointSecret: 570_000,
};

const budgetOf = (name: string) => BUNDLE_BUDGET_BYTES[name] ?? (BUNDLE_BUDGET_BYTES.default as number);

const outdir = mkdtempSync(join(tmpdir(), 'avatar-pipeline-bundle-size-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));
const { functions } = synthesizeBundledFunctions(outdir);

test('the stack bundles its pipeline functions', () => {
  // prepare / act: the synth above
  // assess: the discovery found functions (an empty list would make every budget check below pass vacuously)
  expect(functions.length).toBeGreaterThanOrEqual(18);
  expect(functions.map((fn) => fn.name)).toEqual(expect.arrayContaining(['recordPhoto', 'validateImages']));
});

test.each(functions.map((fn) => [fn.name, fn] as const))('%s fits its bundle budget', (name, fn) => {
  // prepare
  const budget = budgetOf(name);
  // act / assess
  expect({ name, bytes: fn.bundleBytes, withinBudget: fn.bundleBytes <= budget, budget }).toEqual({
    name,
    bytes: fn.bundleBytes,
    withinBudget: true,
    budget,
  });
});

test('every override names a function the stack has', () => {
  // prepare
  const names = new Set(functions.map((fn) => fn.name));
  // act
  const stale = Object.keys(BUNDLE_BUDGET_BYTES).filter((key) => key !== 'default' && !names.has(key));
  // assess
  expect(stale).toEqual([]);
});
