import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { requiredEnv } from '../platform/environment.js';
import { logger, tracer } from '../platform/observability.js';
import { S3ObjectStore } from '../platform/s3-object-store.js';
import { StepFunctionsExecutionStarter } from './execution-starter.js';
import type { SealingDeps } from './seal-subject.js';
import { sealingPolicyFromEnv } from './sealing-policy.js';
import { SubjectLedger } from './subject-ledger.js';

/** The AWS side of the ingest ports, built once per cold start for both ingest functions. */
export function ingestDepsFromEnv(): SealingDeps & { store: S3ObjectStore } {
  const db = DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({})), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return {
    ledger: new SubjectLedger(db, requiredEnv('LEDGER_TABLE')),
    starter: new StepFunctionsExecutionStarter(
      tracer.captureAWSv3Client(new SFNClient({})),
      requiredEnv('STATE_MACHINE_ARN'),
    ),
    store: new S3ObjectStore(tracer.captureAWSv3Client(new S3Client({})), requiredEnv('PHOTO_BUCKET')),
    policy: sealingPolicyFromEnv(),
    now: Date.now,
    log: (message, fields) => logger.info(message, fields),
  };
}
