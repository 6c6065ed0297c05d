import { Duration, Stack } from 'aws-cdk-lib';
import { Archive, type EventBus, Match } from 'aws-cdk-lib/aws-events';
import { AccountPrincipal, AnyPrincipal, Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { EVENT_SOURCE, INCOMING_DETAIL_TYPES } from '../../events/pipeline-events.js';

export interface PartnerEventsProps {
  /** The pipeline's own bus. */
  readonly bus: EventBus;
  /** Partner account -> tenant (context `partnerAccounts`): each account is admitted by a statement of its own. */
  readonly partnerAccounts: Readonly<Record<string, string>>;
  /**
   * An AWS Organization whose accounts are admitted (context `partnerOrganizationId`).
   * @default - no organization is admitted
   */
  readonly partnerOrganizationId?: string;
  /** Days the archive keeps every event, 0 for ever (context `eventArchiveRetentionDays`). */
  readonly archiveRetentionDays: number;
}

/**
 * Partners on the pipeline's bus: a resource policy admitting the configured accounts (and/or an Organization)
 * to PutEvents of the partner detail-types only, never with our own source (so a partner cannot forge
 * `Model Ready`); which tenant an event acts for is decided by its `account` (functions/platform/partner-tenants.ts),
 * never by its detail. An archive of every event on the bus, for replays (see functions/webhooks/README.md).
 */
export class PartnerEvents extends Construct {
  readonly archive: Archive;

  constructor(scope: Construct, id: string, props: PartnerEventsProps) {
    super(scope, id);
    const conditions = {
      StringEquals: { 'events:detail-type': [...INCOMING_DETAIL_TYPES] },
      StringNotEquals: { 'events:source': EVENT_SOURCE },
    };
    for (const account of Object.keys(props.partnerAccounts).sort()) {
      props.bus.addToResourcePolicy(
        new PolicyStatement({
          sid: `Partner${account}`,
          effect: Effect.ALLOW,
          principals: [new AccountPrincipal(account)],
          actions: ['events:PutEvents'],
          resources: [props.bus.eventBusArn],
          conditions,
        }),
      );
    }
    if (props.partnerOrganizationId) {
      props.bus.addToResourcePolicy(
        new PolicyStatement({
          sid: 'PartnerOrganization',
          effect: Effect.ALLOW,
          principals: [new AnyPrincipal()],
          actions: ['events:PutEvents'],
          resources: [props.bus.eventBusArn],
          conditions: {
            ...conditions,
            StringEquals: {
              ...conditions.StringEquals,
              'aws:PrincipalOrgID': props.partnerOrganizationId,
            },
          },
        }),
      );
    }
    this.archive = new Archive(this, 'Archive', {
      sourceEventBus: props.bus,
      archiveName: `${Stack.of(this).stackName}-events`,
      description: 'Every event put on the pipeline bus (ours and partners), for replays',
      // Every event: each has a source, and every source starts with "".
      eventPattern: { source: Match.prefix('') },
      ...(props.archiveRetentionDays > 0 ? { retention: Duration.days(props.archiveRetentionDays) } : {}),
    });
  }
}
