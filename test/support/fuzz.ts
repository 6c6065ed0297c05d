import fc from 'fast-check';

/** Runs of each property: enough to find the odd input, few enough to keep every test under a few seconds. */
export const RUNS = { numRuns: 300 };

type Json = unknown;

/** The path of every value in a JSON document (objects and arrays included), the root excluded. */
export function pathsOf(value: Json, at: string[] = []): string[][] {
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) => [[...at, key], ...pathsOf(child, [...at, key])]);
}

/** One change to a valid document: a field deleted, replaced by another value, or a field added. */
export interface Mutation {
  path: string[];
  op: 'delete' | 'set' | 'add';
  value?: Json;
}

/** Strings that break parsers: escapes, separators, non-ASCII, control characters and very long ones. */
export const awkwardString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom(
    '',
    ' ',
    '%',
    '%%',
    '%E0%A4%A',
    '%C3',
    '%ZZ',
    '+',
    '%2B',
    '%25',
    'zoë',
    '日本',
    '🙂',
    '\u0000',
    '\r\n',
  ),
  fc.string({ minLength: 1000, maxLength: 3000 }),
);

/** Any JSON value, strings made of awkward parts too. */
export const anyJson: fc.Arbitrary<Json> = fc.oneof(
  fc.jsonValue(),
  awkwardString,
  fc.constantFrom(null, true, 0, -1, 1.5, 1e300, [], {}),
);

/** A mutation of `valid`: any of its fields deleted or set to any JSON value, or a new field added anywhere. */
export function mutationOf(valid: Json): fc.Arbitrary<Mutation> {
  const paths = pathsOf(valid);
  const objects = [[], ...paths].filter((p) => {
    const v = get(valid, p);
    return v !== null && typeof v === 'object' && !Array.isArray(v);
  });
  return fc.oneof(
    fc.record({ path: fc.constantFrom(...paths), op: fc.constant('delete' as const) }),
    fc.record({ path: fc.constantFrom(...paths), op: fc.constant('set' as const), value: anyJson }),
    fc.record({
      path: fc
        .tuple(fc.constantFrom(...objects), fc.string({ minLength: 1, maxLength: 12 }))
        .map(([p, k]) => [...p, k]),
      op: fc.constant('add' as const),
      value: anyJson,
    }),
  );
}

/** A deep copy of `valid` with the mutation applied. */
export function applyMutation<T>(valid: T, mutation: Mutation): T {
  const copy = structuredClone(valid) as Json;
  const parent = get(copy, mutation.path.slice(0, -1)) as Record<string, Json>;
  const key = mutation.path.at(-1) as string;
  if (mutation.op === 'delete') {
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete parent[key];
  } else {
    Object.defineProperty(parent, key, {
      value: mutation.value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy as T;
}

function get(value: Json, path: string[]): Json {
  return path.reduce<Json>((v, k) => (v as Record<string, Json>)[k], value);
}

/** Runs `act` and returns what it threw (undefined when it did not throw). */
export function thrownBy(act: () => unknown): unknown {
  try {
    act();
    return undefined;
  } catch (error) {
    return error;
  }
}
