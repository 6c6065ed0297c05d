import type { TaskCallbacks } from '../../functions/task-registry.js';

/**
 * `.waitForTaskToken` on this machine: a Task state's local handler waits on its token here, and the same
 * callback code that calls SendTaskSuccess / SendTaskFailure on AWS resolves it. A token nobody waits for
 * (timed out, already answered) is reported as stale, as Step Functions reports TaskTimedOut.
 */
export class LocalTaskTokens implements TaskCallbacks {
  private readonly waiting = new Map<
    string,
    { resolve: (output: unknown) => void; reject: (error: Error) => void }
  >();

  /** Registers the waiter before the task's function runs, so even an instant callback finds it. */
  expect(taskToken: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.waiting.set(taskToken, { resolve, reject });
    });
  }

  abandon(taskToken: string): void {
    this.waiting.delete(taskToken);
  }

  async succeed(taskToken: string, output: unknown): Promise<'sent' | 'stale'> {
    const waiter = this.take(taskToken);
    if (!waiter) return 'stale';
    waiter.resolve(JSON.parse(JSON.stringify(output)));
    return 'sent';
  }

  async fail(taskToken: string, error: string, cause: string): Promise<'sent' | 'stale'> {
    const waiter = this.take(taskToken);
    if (!waiter) return 'stale';
    const failure = new Error(cause);
    failure.name = error;
    waiter.reject(failure);
    return 'sent';
  }

  private take(taskToken: string) {
    const waiter = this.waiting.get(taskToken);
    this.waiting.delete(taskToken);
    return waiter;
  }
}
