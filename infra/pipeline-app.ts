import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AvatarPipelineStack } from './avatar-pipeline-stack.js';
import { readPipelineConfig } from './config.js';

export interface PipelineAppOptions {
  /** Context values, on top of cdk.json's (see config.ts for the keys the pipeline reads). */
  context?: Record<string, unknown>;
  /** Run esbuild and the sharp layer install. Default true; false synthesizes in-process in well under a second per asset. */
  bundling?: boolean;
  /** Cloud assembly directory; default a temporary one (or the CLI's, under `cdk synth`). */
  outdir?: string;
}

/** The context cdk.json gives the CLI (feature flags), so an in-process synth makes the template `cdk synth` makes. */
function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(
    readFileSync(fileURLToPath(new URL('../cdk.json', import.meta.url)), 'utf8'),
  ) as {
    context?: Record<string, unknown>;
  };
  return cdkJson.context ?? {};
}

/**
 * The app as `cdk synth` builds it, also used in-process by the tests and by the local runtime (which reads the
 * synthesized state machine). AWS Solutions checks run at synth: an unacknowledged error fails the synth.
 */
export function createPipelineApp(options: PipelineAppOptions = {}): {
  app: App;
  stack: AvatarPipelineStack;
} {
  const context: Record<string, unknown> = { ...cdkJsonContext(), ...options.context };
  if (options.bundling === false) {
    // No stack is bundled: NodejsFunction skips esbuild and the sharp layer skips npm.
    context['aws:cdk:bundling-stacks'] = [];
  }
  const app = new App({ context, ...(options.outdir ? { outdir: options.outdir } : {}) });
  const config = readPipelineConfig(app.node);

  // Deploy-time environment only when the deployer gives one; otherwise the stack is environment-agnostic and
  // synthesizes with no credentials and no network.
  const account =
    (app.node.tryGetContext('account') as string | undefined) ?? process.env.CDK_DEFAULT_ACCOUNT;
  const region = (app.node.tryGetContext('region') as string | undefined) ?? process.env.CDK_DEFAULT_REGION;
  const stack = new AvatarPipelineStack(app, config.stackName, {
    stackName: config.stackName,
    description: 'Avatar pipeline: photos of a person in, a validated DreamBooth training set and events out',
    config,
    ...(account || region ? { env: { account, region } } : {}),
  });

  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
