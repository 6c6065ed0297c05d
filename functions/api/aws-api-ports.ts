import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  type GetExecutionHistoryCommandOutput,
  SFNClient,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { StepFunctionsExecutionStarter } from '../ingest/execution-starter.js';
import type { ApiPorts, Executions, ExecutionView, UploadLinks } from './api-ports.js';

let s3Client: S3Client | undefined;
let sfnClient: SFNClient | undefined;
const s3 = () => (s3Client ??= new S3Client({}));
const sfn = () => (sfnClient ??= new SFNClient({}));

/**
 * Presigned S3 PUTs with the content type signed (a PUT with another type fails the signature). A presigned PUT
 * cannot carry a size range (only a POST policy's content-length-range can): the photo's size is bounded on
 * arrival instead, where validation refuses a photo over MAX_FILE_BYTES before decoding it.
 */
export class S3PresignedUploads implements UploadLinks {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly now: () => number = Date.now,
  ) {}

  async upload(key: string, contentType: string, expiresInSeconds: number) {
    const url = await getSignedUrl(
      this.client,
      new PutObjectCommand({ Bucket: this.bucket, Key: key, ContentType: contentType }),
      {
        expiresIn: expiresInSeconds,
        signableHeaders: new Set(['content-type']),
      },
    );
    return {
      method: 'PUT' as const,
      url,
      headers: { 'content-type': contentType },
      expiresAt: new Date(this.now() + expiresInSeconds * 1000).toISOString(),
    };
  }
}

/** How many pages (100 events each) of an execution's history `stateOutput` reads at most. */
const STATE_OUTPUT_HISTORY_PAGES = 3;

/** One state machine's executions by name: the execution ARN is the state machine's with `execution:` and the name. */
export class StepFunctionsExecutions implements Executions {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  private arnOf(name: string): string {
    return `${this.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
  }

  async describe(name: string): Promise<ExecutionView | undefined> {
    try {
      const out = await this.client.send(new DescribeExecutionCommand({ executionArn: this.arnOf(name) }));
      return {
        status: out.status as ExecutionView['status'],
        ...(out.output ? { output: JSON.parse(out.output) } : {}),
      };
    } catch (error) {
      if (error instanceof ExecutionDoesNotExist) return undefined;
      throw error;
    }
  }

  async stateOutput(name: string, stateName: string): Promise<unknown> {
    let nextToken: string | undefined;
    // The states the API asks for run early in a workflow: a few pages of history hold them, or nothing will.
    for (let page = 0; page < STATE_OUTPUT_HISTORY_PAGES; page++) {
      let out: GetExecutionHistoryCommandOutput;
      try {
        out = await this.client.send(
          new GetExecutionHistoryCommand({
            executionArn: this.arnOf(name),
            maxResults: 100,
            reverseOrder: false,
            includeExecutionData: true,
            ...(nextToken ? { nextToken } : {}),
          }),
        );
      } catch (error) {
        if (error instanceof ExecutionDoesNotExist) return undefined;
        throw error;
      }
      const exited = out.events?.find((event) => event.stateExitedEventDetails?.name === stateName);
      if (exited) {
        const output = exited.stateExitedEventDetails?.output;
        return output === undefined ? undefined : JSON.parse(output);
      }
      nextToken = out.nextToken;
      if (!nextToken) return undefined;
    }
    return undefined;
  }

  async start(name: string, input: unknown) {
    return new StepFunctionsExecutionStarter(this.client, this.stateMachineArn).start(name, input);
  }

  async stop(name: string, cause: string): Promise<void> {
    await this.client.send(new StopExecutionCommand({ executionArn: this.arnOf(name), cause }));
  }
}

export const s3PresignedUploads: ApiPorts['uploadLinks'] = (bucket) => new S3PresignedUploads(s3(), bucket);
export const stepFunctionsExecutions: ApiPorts['executions'] = (arn) =>
  new StepFunctionsExecutions(sfn(), arn);
