import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';

/** Port: a notice to the operators' topic (e-mail subscribers): counts and alarms, never a link or a prompt. */
export interface OperatorNotices {
  publish(subject: string, message: string): Promise<void>;
}

/** SNS allows at most 100 printable ASCII characters in an e-mail subject. */
export const MAX_NOTICE_SUBJECT_LENGTH = 100;

export class SnsOperatorNotices implements OperatorNotices {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(subject: string, message: string): Promise<void> {
    await this.sns.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: subject.slice(0, MAX_NOTICE_SUBJECT_LENGTH),
        Message: message,
      }),
    );
  }
}
