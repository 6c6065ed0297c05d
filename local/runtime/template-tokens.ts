/**
 * Resolves the CloudFormation intrinsics that CDK leaves in a synthesized state machine definition
 * (Fn::Join, Ref, Fn::GetAtt, Fn::Sub, pseudo parameters) to the names and ARNs the local runtime uses.
 */
export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'local';

export interface TemplateResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
}
export type Template = { Resources: Record<string, TemplateResource> };

export class UnresolvableTokenError extends Error {
  override name = 'UnresolvableTokenError';
}

const PSEUDO: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': LOCAL_REGION,
  'AWS::AccountId': LOCAL_ACCOUNT,
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': 'local',
};

/** What `Ref` returns for a resource, following each type's CloudFormation documentation. */
export function refOf(template: Template, logicalId: string): string {
  const pseudo = PSEUDO[logicalId];
  if (pseudo) return pseudo;
  const resource = template.Resources[logicalId];
  if (!resource) throw new UnresolvableTokenError(`Ref to "${logicalId}", which is not in the template`);
  const props = resource.Properties ?? {};
  switch (resource.Type) {
    case 'AWS::Lambda::Function':
      return logicalId;
    case 'AWS::Events::EventBus':
      return String(props.Name ?? logicalId);
    case 'AWS::SNS::Topic':
    case 'AWS::StepFunctions::StateMachine':
      return arnOf(template, logicalId);
    default:
      return logicalId;
  }
}

/** What `Fn::GetAtt [id, Arn]` returns for a resource. */
export function arnOf(template: Template, logicalId: string): string {
  const resource = template.Resources[logicalId];
  if (!resource)
    throw new UnresolvableTokenError(`Fn::GetAtt on "${logicalId}", which is not in the template`);
  const base = `${LOCAL_REGION}:${LOCAL_ACCOUNT}`;
  switch (resource.Type) {
    case 'AWS::Lambda::Function':
      return `arn:aws:lambda:${base}:function:${logicalId}`;
    case 'AWS::Events::EventBus':
      return `arn:aws:events:${base}:event-bus/${refOf(template, logicalId)}`;
    case 'AWS::SNS::Topic':
      return `arn:aws:sns:${base}:${logicalId}`;
    case 'AWS::StepFunctions::StateMachine':
      return `arn:aws:states:${base}:stateMachine:${logicalId}`;
    case 'AWS::S3::Bucket':
      return `arn:aws:s3:::${logicalId}`;
    case 'AWS::DynamoDB::Table':
      return `arn:aws:dynamodb:${base}:table/${logicalId}`;
    default: {
      const service = resource.Type.split('::')[1]?.toLowerCase() ?? 'unknown';
      return `arn:aws:${service}:${base}:${logicalId}`;
    }
  }
}

export function resolveTokens(template: Template, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveTokens(template, item));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1) {
    const [fn, arg] = entries[0] as [string, unknown];
    switch (fn) {
      case 'Ref':
        return refOf(template, String(arg));
      case 'Fn::GetAtt': {
        const [id, attribute] = arg as [string, string];
        if (attribute === 'Arn') return arnOf(template, id);
        // Attributes that echo a property (EndpointName, TopicName...) resolve to it; the rest to the Ref.
        const property = template.Resources[id]?.Properties?.[attribute];
        if (typeof property === 'string') return property;
        return refOf(template, id);
      }
      case 'Fn::Join': {
        const [separator, parts] = arg as [string, unknown[]];
        return parts.map((part) => String(resolveTokens(template, part))).join(separator);
      }
      case 'Fn::Sub': {
        const text = typeof arg === 'string' ? arg : (arg as [string])[0];
        return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
          const [id, attribute] = name.split('.');
          return attribute === 'Arn' ? arnOf(template, id as string) : refOf(template, id as string);
        });
      }
    }
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, resolveTokens(template, v)]));
}
