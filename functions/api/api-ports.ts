import type { ImageLinks } from '../generation/image-links.js';
import type { Ports } from '../ports.js';

/** A presigned upload: what the client sends, where, and with which headers (they are signed). */
export interface UploadLink {
  method: 'PUT';
  url: string;
  headers: Record<string, string>;
  expiresAt: string;
}

/** Port: presigned PUTs into the ingest bucket (S3 on AWS; the local API's own upload endpoint on this machine). */
export interface UploadLinks {
  upload(key: string, contentType: string, expiresInSeconds: number): Promise<UploadLink>;
}

export type ExecutionStatus =
  | 'RUNNING'
  | 'SUCCEEDED'
  | 'FAILED'
  | 'TIMED_OUT'
  | 'ABORTED'
  | 'PENDING_REDRIVE';

export interface ExecutionView {
  status: ExecutionStatus;
  /** The final state, once it SUCCEEDED. */
  output?: unknown;
}

/** Port: one state machine's executions by name (DescribeExecution / StartExecution / StopExecution). */
export interface Executions {
  describe(name: string): Promise<ExecutionView | undefined>;
  /**
   * The output of a top-level state the first time it exited (GetExecutionHistory), running or ended; undefined
   * when the execution or the state's exit is not there (yet), or its output was too large for the history.
   */
  stateOutput(name: string, stateName: string): Promise<unknown>;
  /** Starting a name twice is a no-op (Standard workflows keep names 90 days). */
  start(name: string, input: unknown): Promise<{ alreadyStarted: boolean }>;
  stop(name: string, cause: string): Promise<void>;
}

/**
 * What the HTTP API's routes are built with: the common ports, the tables and the bucket, and two of their own
 * (presigned uploads, executions). The Lambda handlers give the AWS adapters (`aws-api-ports.ts`); the local API
 * server gives its own over the local pipeline.
 */
export interface ApiPorts
  extends Pick<Ports, 'clock' | 'log' | 'metrics' | 'provenance' | 'documentClient' | 'objectStore'> {
  uploadLinks(bucket: string): UploadLinks;
  imageLinks(bucket: string): ImageLinks;
  executions(stateMachineArn: string): Executions;
}
