import { fileURLToPath } from 'node:url';
import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Architecture, type CfnFunction, type ILayerVersion, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { AnyTaskDescriptor } from '../../functions/platform/task.js';

/** Template metadata key on each AWS::Lambda::Function naming the local implementation of that function. */
export const LOCAL_HANDLER_METADATA_KEY = 'avatar-pipeline:local-handler';

/** The variables a task's descriptor declares, each with the value this stack gives it: no more, no fewer. */
export type TaskEnvironment<Task extends AnyTaskDescriptor> = Readonly<Record<Task['env'][number], string>>;

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface PipelineFunctionProps<Task extends AnyTaskDescriptor = AnyTaskDescriptor> {
  /** The task this function runs: its handler file is bundled, its name becomes the local-handler metadata. */
  readonly task: Task;
  /** The function's description in the Lambda console: what it does, in one sentence. */
  readonly description: string;
  /** A value for every variable the task declares (the descriptor's `env`). */
  readonly environment: TaskEnvironment<Task>;
  /** Retention of the function's own log group. */
  readonly logRetention: RetentionDays;
  /** What happens to the function's log group when the stack is deleted. */
  readonly removalPolicy: RemovalPolicy;
  /**
   * Memory in MB; on Lambda it also buys CPU.
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * How long one invocation may run.
   * @default Duration.seconds(30)
   */
  readonly timeout?: Duration;
  /**
   * Layers the function needs at runtime; modules they provide are kept out of the bundle.
   * @default - none
   */
  readonly layers?: readonly { readonly layer: ILayerVersion; readonly provides: readonly string[] }[];
}

/**
 * A NodejsFunction with the defaults every pipeline function shares: Node 24 on arm64 (cheaper per GB-second),
 * one ESM bundle that includes the AWS SDK (the runtime's copy is loaded through the slower CJS path and may lag
 * behind ours), X-Ray tracing and a log group this stack owns (so its retention and deletion are ours).
 */
export class PipelineFunction<Task extends AnyTaskDescriptor = AnyTaskDescriptor> extends Construct {
  readonly function: NodejsFunction;

  constructor(scope: Construct, id: string, props: PipelineFunctionProps<Task>) {
    super(scope, id);

    const logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });

    this.function = new NodejsFunction(this, 'Function', {
      entry: `${projectRoot}${props.task.entry}`,
      handler: 'handler',
      projectRoot,
      depsLockFilePath: `${projectRoot}package-lock.json`,
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(30),
      tracing: Tracing.ACTIVE,
      logGroup,
      layers: props.layers?.map(({ layer }) => layer),
      environment: {
        POWERTOOLS_SERVICE_NAME: 'avatar-pipeline',
        POWERTOOLS_METRICS_NAMESPACE: 'AvatarPipeline',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        // Source maps make stack traces point at the TypeScript; Node reads them only with this flag.
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        minify: true,
        sourceMap: true,
        // ESM entry points of the SDK tree-shake far better (0.5 MB instead of 1.3 MB, see DESIGN.md).
        mainFields: ['module', 'main'],
        target: 'node24',
        // CJS dependencies call require(); an ESM bundle has none unless we create it.
        banner: "import { createRequire } from 'module';const require = createRequire(import.meta.url);",
        bundleAwsSDK: true,
        // esbuild's per-bundle size report is noise at every synth; errors still fail it, with their message.
        logLevel: LogLevel.ERROR,
        externalModules: props.layers?.flatMap(({ provides }) => provides) ?? [],
      },
    });

    const cfnFunction = this.function.node.defaultChild as CfnFunction;
    cfnFunction.addMetadata(LOCAL_HANDLER_METADATA_KEY, props.task.name);

    const role = this.function.role;
    if (role) {
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          'The AWS managed basic execution policy only lets the function write its own logs; it is what Lambda documents for that.',
      });
      // Scoped to the default policy: a function that needs another `*` (Rekognition) states it separately.
      const defaultPolicy = role.node.findChild('DefaultPolicy');
      Validations.of(defaultPolicy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'xray:PutTraceSegments and xray:PutTelemetryRecords (active tracing) do not support resource-level permissions.',
      });
    }
  }
}

/** What every function of one construct shares: where its logs go and what happens to them on delete. */
export interface PipelineFunctionDefaults {
  readonly logRetention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * `fn(id, task, description, environment, options?)`: a PipelineFunction in `scope` with the construct's shared
 * defaults, returning the NodejsFunction (what grants and the workflows need).
 */
export function pipelineFunctions(scope: Construct, defaults: PipelineFunctionDefaults) {
  return <Task extends AnyTaskDescriptor>(
    id: string,
    task: Task,
    description: string,
    environment: TaskEnvironment<Task>,
    options: Pick<PipelineFunctionProps, 'timeout' | 'memorySize' | 'layers'> = {},
  ): NodejsFunction =>
    new PipelineFunction(scope, id, { task, description, environment, ...defaults, ...options }).function;
}
