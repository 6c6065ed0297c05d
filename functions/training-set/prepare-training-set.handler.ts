// Placeholder entry point, replaced by the real handler in this change set.
export const handler = async (): Promise<never> => {
  throw new Error('not built yet');
};
