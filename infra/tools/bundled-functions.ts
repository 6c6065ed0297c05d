/**
 * Every pipeline function as `cdk synth` bundles it: one synth with bundling on, and for each
 * AWS::Lambda::Function that carries the local-handler metadata (every PipelineFunction; CDK's own inline
 * custom-resource handlers carry none and are not ours to size), its staged asset folder, bundle bytes, memory
 * and environment. The cold-start bench and the bundle-size budget test read the functions from here, so a
 * function added to the stack is measured and budgeted without a list to edit.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_HANDLER_METADATA_KEY } from '../constructs/pipeline-function.js';
import { createPipelineApp } from '../pipeline-app.js';

export interface BundledFunction {
  /** The task name (the function's local-handler metadata), e.g. `recordPhoto`. */
  readonly name: string;
  readonly logicalId: string;
  /** The staged asset folder (`asset.<hash>` in the cloud assembly). */
  readonly folder: string;
  /** The bundle file Lambda loads (`index.mjs`). */
  readonly bundlePath: string;
  /** Bytes of the bundle itself, without its source map. */
  readonly bundleBytes: number;
  /** Bytes of every file in the asset (bundle and source map): what is zipped and uploaded. */
  readonly assetBytes: number;
  readonly memoryMb: number;
  /** The function's environment as synthesized: values that are CloudFormation tokens are left as objects. */
  readonly environment: Readonly<Record<string, unknown>>;
  /** How many layers the function has (their modules are external to the bundle). */
  readonly layers: number;
}

interface Resource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
}

/** Synthesizes the app with bundling into `outdir` and lists its bundled pipeline functions, by task name. */
export function synthesizeBundledFunctions(
  outdir: string,
  context: Record<string, unknown> = {},
): { template: { Resources: Record<string, Resource> }; functions: BundledFunction[] } {
  const { app, stack } = createPipelineApp({ outdir, context });
  const template = app.synth().getStackArtifact(stack.artifactId).template as {
    Resources: Record<string, Resource>;
  };
  return { template, functions: bundledFunctionsOf(template, outdir) };
}

export function bundledFunctionsOf(
  template: { Resources: Record<string, Resource> },
  outdir: string,
): BundledFunction[] {
  const functions: BundledFunction[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const name = resource.Metadata?.[LOCAL_HANDLER_METADATA_KEY];
    if (resource.Type !== 'AWS::Lambda::Function' || typeof name !== 'string') continue;
    const props = resource.Properties ?? {};
    const code = props.Code as { S3Key?: unknown } | undefined;
    if (typeof code?.S3Key !== 'string')
      throw new Error(`${name} (${logicalId}) has no staged code asset: synthesize with bundling on`);
    const folder = join(outdir, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
    const bundlePath = join(folder, 'index.mjs');
    const assetBytes = readdirSync(folder).reduce((sum, file) => sum + statSync(join(folder, file)).size, 0);
    functions.push({
      name,
      logicalId,
      folder,
      bundlePath,
      bundleBytes: statSync(bundlePath).size,
      assetBytes,
      memoryMb: Number(props.MemorySize ?? 128),
      environment: ((props.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ??
        {}) as Record<string, unknown>,
      layers: Array.isArray(props.Layers) ? props.Layers.length : 0,
    });
  }
  return functions.sort((a, b) => a.name.localeCompare(b.name));
}
