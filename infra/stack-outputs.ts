/**
 * The outputs of the deployed stack that tools read back (`aws cloudformation describe-stacks`), by output key.
 * Small and free of CDK so that a command line tool can import it without loading the construct library.
 */
export const API_STACK_OUTPUTS = {
  /** The API clients table: tenant rows and hashed client keys. */
  clientsTable: 'ApiClientsTableName',
  /** The usage plan every client's API Gateway key joins. */
  usagePlan: 'ApiUsagePlanId',
} as const;
