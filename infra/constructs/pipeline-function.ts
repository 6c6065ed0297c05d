import { fileURLToPath } from 'node:url';
import { Duration, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Effect, ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, type CfnFunction, type ILayerVersion, Runtime } from 'aws-cdk-lib/aws-lambda';
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
  /** The key the function's log group is encrypted with (the stack's logs key). */
  readonly logsKey: IKey;
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
 * behind ours), X-Ray tracing and a log group this stack owns, encrypted with the logs key (so its retention,
 * encryption and deletion are ours).
 *
 * Its role has no managed AWS policy and nothing on `*` in its own policy: it may write to its own log group only,
 * and the X-Ray actions (which take no resource) come from one shared policy, `FunctionTracingPolicy`, the only
 * place where their `*` is acknowledged. A grant that puts a wildcard resource into a function's own policy is a
 * cdk-nag finding that fails the synth.
 */
export class PipelineFunction<Task extends AnyTaskDescriptor = AnyTaskDescriptor> extends Construct {
  readonly function: NodejsFunction;

  constructor(scope: Construct, id: string, props: PipelineFunctionProps<Task>) {
    super(scope, id);

    const logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
      encryptionKey: props.logsKey,
    });

    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${props.task.name}`,
      managedPolicies: [functionTracingPolicy(this)],
    });
    // Its own log group and nothing else (the log group's ARN attribute ends in `:*`: its streams).
    role.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );

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
      role,
      // Tracing is switched on below, on the resource: through this prop CDK would add the X-Ray actions on `*`
      // to the function's own policy, where an acknowledgement would also hide any other `*`.
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
        // Stack traces still point at file and line; without the sources the map is ~5x smaller, and Node
        // reads it at every cold start under --enable-source-maps (bench/README.md, cold start).
        sourcesContent: false,
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
    cfnFunction.tracingConfig = { mode: 'Active' };
    cfnFunction.addMetadata(LOCAL_HANDLER_METADATA_KEY, props.task.name);
  }
}

/** The actions active tracing needs, which IAM accepts on `*` only. */
export const TRACING_ACTIONS = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'];

/** The one tracing policy of the stack, shared by every function's role, and its acknowledgement. */
function functionTracingPolicy(scope: Construct): ManagedPolicy {
  const stack = Stack.of(scope);
  const existing = stack.node.tryFindChild('FunctionTracingPolicy');
  if (existing) return existing as ManagedPolicy;
  const policy = new ManagedPolicy(stack, 'FunctionTracingPolicy', {
    description: 'Active X-Ray tracing of the pipeline functions: the only actions they have on *',
    statements: [new PolicyStatement({ effect: Effect.ALLOW, actions: TRACING_ACTIONS, resources: ['*'] })],
  });
  Validations.of(policy).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'xray:PutTraceSegments and xray:PutTelemetryRecords (active tracing) do not support resource-level permissions; this policy holds nothing else.',
  });
  return policy;
}

/** What every function of one construct shares: where its logs go and what happens to them on delete. */
export interface PipelineFunctionDefaults {
  readonly logRetention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  readonly logsKey: IKey;
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
