/**
 * The one synth with bundling on: real esbuild for the four functions and the real npm install of sharp's
 * linux-arm64 packages for the layer (cached under .build/, so only the first run on a machine talks to the
 * npm registry; `-c sharpLayer=false` leaves the layer out where the registry cannot be reached).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { installedSharpVersion } from '../../../infra/constructs/sharp-layer.js';
import { createPipelineApp } from '../../../infra/pipeline-app.js';
import { propertiesOf, type Resources } from './synthesized-pipeline.js';

const outdir = mkdtempSync(join(tmpdir(), 'avatar-pipeline-bundled-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const started = Date.now();
const { app, stack } = createPipelineApp({ outdir });
app.synth();
const synthMillis = Date.now() - started;
const resources = Template.fromStack(stack).toJSON().Resources as Resources;

/** The staged folder of a Lambda function's or layer's code asset: `asset.<hash>` where S3Key is `<hash>.zip`. */
function assetFolderOf(logicalId: string, codeProperty: 'Code' | 'Content'): string {
  const code = propertiesOf(resources, logicalId)[codeProperty] as { S3Key: string };
  return join(outdir, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
}

// How long bundling takes is a figure, not a check (speed lives in `npm run bench`): logged, never asserted.
test('RecordPhoto is one minified ESM bundle with a source map, the AWS SDK inside', () => {
  const id = stack.getLogicalId(stack.ingest.recordPhoto.node.defaultChild as never);
  const folder = assetFolderOf(id, 'Code');
  const bundlePath = join(folder, 'index.mjs');
  expect(existsSync(bundlePath)).toBe(true);
  expect(existsSync(join(folder, 'index.mjs.map'))).toBe(true);
  const bundle = readFileSync(bundlePath, 'utf8');
  console.info(`bundled synth took ${synthMillis} ms`);
  // The banner that gives CJS dependencies a require() in an ESM bundle comes first.
  expect(
    bundle.startsWith(
      "import { createRequire } from 'module';const require = createRequire(import.meta.url);",
    ),
  ).toBe(true);
  expect(bundle).toMatch(/export\s*\{[^}]*handler/);
  // Minified: a few very long lines (the newlines left are inside template literals), short local names.
  const lines = bundle.split('\n');
  expect(statSync(bundlePath).size / lines.length).toBeGreaterThan(500);
  expect(bundle).not.toMatch(/\n {4}return /);
  expect(bundle).not.toMatch(/from\s*["']@aws-sdk\//);
});

test('ValidateImages and PrepareTrainingSet leave sharp to the layer', () => {
  for (const fn of [stack.training.validateImages, stack.training.prepareTrainingSet]) {
    const folder = assetFolderOf(stack.getLogicalId(fn.node.defaultChild as never), 'Code');
    const bundle = readFileSync(join(folder, 'index.mjs'), 'utf8');
    // sharp's own source (its libvips binding loader) must not be inlined.
    expect(bundle).not.toContain('sharp-libvips-');
  }
});

test('the sharp layer carries the linux-arm64 build of the sharp version used locally', () => {
  const layerId = Object.keys(resources).find((id) => resources[id]?.Type === 'AWS::Lambda::LayerVersion');
  const folder = assetFolderOf(layerId as string, 'Content');
  const modules = join(folder, 'nodejs', 'node_modules');
  const sharpManifest = JSON.parse(readFileSync(join(modules, 'sharp', 'package.json'), 'utf8')) as {
    version: string;
  };
  expect(sharpManifest.version).toBe(installedSharpVersion());
  expect(existsSync(join(modules, '@img', 'sharp-linux-arm64'))).toBe(true);
  expect(existsSync(join(modules, '@img', 'sharp-libvips-linux-arm64'))).toBe(true);
});
