import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AssetHashType, DockerImage, type ILocalBundling, type RemovalPolicy } from 'aws-cdk-lib';
import { Architecture, Code, LayerVersion, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The sharp the functions are tested with locally is the sharp they run with on Lambda. */
export function installedSharpVersion(): string {
  const manifest = JSON.parse(readFileSync(join(projectRoot, 'node_modules/sharp/package.json'), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

export class SharpLayerBuildError extends Error {
  override name = 'SharpLayerBuildError';
}

/**
 * Installs sharp's linux-arm64 (glibc) prebuilt packages with npm into `.build/sharp-layer-<version>/nodejs`, once,
 * and copies that folder into the layer asset. npm picks the platform packages from --os/--cpu/--libc, so this
 * works on any machine with no Docker; the cache makes the second synth free.
 */
class NpmInstallSharp implements ILocalBundling {
  constructor(private readonly version: string) {}

  tryBundle(outputDir: string): boolean {
    const cacheDir = join(projectRoot, '.build', `sharp-layer-${this.version}-linux-arm64`);
    const marker = join(cacheDir, 'nodejs', 'node_modules', 'sharp', 'package.json');
    if (!existsSync(marker)) {
      // Install beside the cache and rename, so an interrupted install never looks like a finished one.
      const partialDir = `${cacheDir}.partial-${process.pid}`;
      rmSync(partialDir, { recursive: true, force: true });
      mkdirSync(join(partialDir, 'nodejs'), { recursive: true });
      try {
        execFileSync(
          'npm',
          [
            'install',
            '--no-save',
            '--no-package-lock',
            '--no-audit',
            '--no-fund',
            '--prefix',
            join(partialDir, 'nodejs'),
            '--os=linux',
            '--cpu=arm64',
            '--libc=glibc',
            `sharp@${this.version}`,
          ],
          { stdio: ['ignore', 'pipe', 'pipe'], cwd: partialDir },
        );
      } catch (error) {
        rmSync(partialDir, { recursive: true, force: true });
        const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? String(error);
        throw new SharpLayerBuildError(
          `Could not install sharp@${this.version} for linux-arm64 into the Lambda layer: ${stderr.trim()}\n` +
            'The npm registry must be reachable for the first synth with bundling on; later synths reuse ' +
            `${cacheDir}. To synthesize without the layer, pass -c sharpLayer=false.`,
        );
      }
      rmSync(cacheDir, { recursive: true, force: true });
      renameSync(partialDir, cacheDir);
    }
    // Lambda puts /opt/nodejs/node_modules on the module path of the Node runtimes.
    cpSync(join(cacheDir, 'nodejs'), join(outputDir, 'nodejs'), { recursive: true });
    return true;
  }
}

export interface SharpLayerProps {
  /** What happens to the layer version when the stack is deleted. */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * sharp is native code; the functions mark it external and load it from this layer (Node 24, arm64).
 * With bundling disabled (`aws:cdk:bundling-stacks` = []) nothing is installed and the asset is a placeholder.
 */
export class SharpLayer extends Construct {
  readonly layer: LayerVersion;
  readonly version: string;

  constructor(scope: Construct, id: string, props: SharpLayerProps) {
    super(scope, id);
    this.version = installedSharpVersion();

    this.layer = new LayerVersion(this, 'Layer', {
      description: `sharp ${this.version} for Node.js on linux-arm64 (glibc)`,
      compatibleRuntimes: [Runtime.NODEJS_24_X],
      compatibleArchitectures: [Architecture.ARM_64],
      removalPolicy: props.removalPolicy,
      // The source folder is irrelevant (the bundler ignores it); any small existing folder will do.
      code: Code.fromAsset(join(projectRoot, 'infra', 'constructs'), {
        // The content depends only on the version and the platform: a custom hash lets CDK reuse a staged copy.
        assetHashType: AssetHashType.CUSTOM,
        assetHash: `sharp-${this.version}-linux-arm64-glibc`,
        bundling: {
          // Required by the API, never used: local bundling always succeeds or throws.
          image: DockerImage.fromRegistry('public.ecr.aws/sam/build-nodejs24.x:latest'),
          local: new NpmInstallSharp(this.version),
        },
      }),
    });
  }
}
