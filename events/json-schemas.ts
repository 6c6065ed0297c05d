import * as z from 'zod';
import {
  EVENT_SOURCE,
  INCOMING_DETAIL_TYPES,
  PIPELINE_EVENTS,
  type PipelineDetailType,
} from './pipeline-events.js';
import { SubjectSettings } from './subject-settings.js';

/** File name of a detail-type's schema: "Subject Accepted" -> "subject-accepted". */
export function schemaFileName(detailType: string): string {
  return detailType.toLowerCase().replaceAll(' ', '-');
}

/**
 * The JSON Schemas partners read under events/schemas: one per detail-type (the `detail` of the event), and
 * one for subject.json. Generated from the zod schemas, so the published contract is the enforced one.
 */
export function pipelineJsonSchemas(): Record<string, unknown> {
  const schemas: Record<string, unknown> = {};
  for (const [detailType, schema] of Object.entries(PIPELINE_EVENTS)) {
    schemas[`${schemaFileName(detailType)}.schema.json`] = {
      $id: `urn:${EVENT_SOURCE}:events:${schemaFileName(detailType)}:v1`,
      title: `${detailType} (detail)`,
      description: INCOMING_DETAIL_TYPES.includes(detailType as PipelineDetailType)
        ? `The detail of an event with detail-type "${detailType}" that a partner puts on the pipeline's bus with its own source: any source but "${EVENT_SOURCE}", which is the pipeline's alone (the rule that admits this detail-type matches {"anything-but": "${EVENT_SOURCE}"}).`
        : `The detail of an event with source "${EVENT_SOURCE}" and detail-type "${detailType as PipelineDetailType}". Only the pipeline publishes it; rules act on it only with that source, and a Model Ready starts a generation only for a model the registry holds for its subject, with its TargetModel.`,
      ...z.toJSONSchema(schema, { io: 'output' }),
    };
  }
  schemas['subject-json.schema.json'] = {
    $id: `urn:${EVENT_SOURCE}:subject-json:v1`,
    title: 'subject.json',
    description: 'Optional settings dropped beside the photos in subjects/<subjectId>/subject.json.',
    ...z.toJSONSchema(SubjectSettings, { io: 'input' }),
  };
  return schemas;
}
