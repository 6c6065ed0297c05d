import { z } from 'zod';
import { MalformedNotificationEventError } from './errors.js';

/** The SNS -> Lambda event, as far as the callback reads it: each record's message (a JSON string). */
const SnsLambdaEvent = z.object({
  Records: z.array(z.object({ Sns: z.object({ Message: z.string() }) })).min(1),
});

/** The messages of an SNS -> Lambda event; each one is judged (and a malformed one dropped) on its own. */
export function parseNotificationRecords(event: unknown): string[] {
  const parsed = SnsLambdaEvent.safeParse(event);
  if (!parsed.success) {
    throw new MalformedNotificationEventError(
      `Not an SNS event with records: ${z.prettifyError(parsed.error)}`,
      { cause: parsed.error },
    );
  }
  return parsed.data.Records.map((record) => record.Sns.Message);
}
