/** An error a workflow's Retry or Catch rule names, and whether a later attempt can succeed. */
export interface ContractError {
  readonly name: string;
  readonly retryable: boolean;
}

/** The names a Retry rule lists: only errors their contract marks retryable (a refused request never is). */
export function retryableErrors(...errors: ContractError[]): string[] {
  return errors.filter((error) => error.retryable).map((error) => error.name);
}
