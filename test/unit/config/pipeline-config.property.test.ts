/**
 * Properties of the context parser, over generated values: whatever a deployer (or a program) puts in context,
 * synth gets either a config or an InvalidConfigurationError that names the key, never another exception.
 */
import { App } from 'aws-cdk-lib';
import { FLAGS } from 'aws-cdk-lib/cx-api';
import fc from 'fast-check';
import {
  DEFAULT_CONFIG,
  InvalidConfigurationError,
  type PipelineConfig,
  readPipelineConfig,
  TOXICITY_THRESHOLD_KEYS,
} from '../../../infra/config.js';
import { PIPELINE_CONFIG_KEYS } from '../../../infra/config-schema.js';

type Outcome = { config: PipelineConfig } | { refusal: InvalidConfigurationError };

/** Reads the context; any exception but an InvalidConfigurationError escapes and fails the property. */
function outcomeOf(context: Record<string, unknown>): Outcome {
  try {
    return { config: readPipelineConfig(new App({ context }).node) };
  } catch (error) {
    if (error instanceof InvalidConfigurationError) return { refusal: error };
    throw error;
  }
}

/** Values as they come from `-c` (strings, many of them numbers or flags), from cdk.json (JSON) and from code. */
const contextValue = fc.oneof(
  fc.string(),
  fc.integer().map(String),
  fc.double().map(String),
  fc.constantFrom('true', 'false', 'TRUE', '', ' ', '1e3', '0x10', 'null', '[]', '{}'),
  fc
    .dictionary(fc.constantFrom(...TOXICITY_THRESHOLD_KEYS, 'FOO', 'toxicity'), fc.double())
    .map((o) => JSON.stringify(o)),
  fc.jsonValue(),
  fc.anything({
    withBigInt: true,
    withBoxedValues: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withNullPrototype: true,
    withObjectString: true,
    withTypedArray: true,
    withSparseArray: true,
  }),
);

const configKey = fc.constantFrom(...PIPELINE_CONFIG_KEYS);

describe('any context value for any key', () => {
  test('yields a config or an InvalidConfigurationError naming the key, never another exception', () => {
    // Prepare
    const property = fc.property(configKey, contextValue, (key, value) => {
      // Act
      const outcome = outcomeOf({ [key]: value });

      // Assess
      if ('refusal' in outcome) {
        expect(outcome.refusal.message).toContain(key);
        for (const line of outcome.refusal.message.split('\n')) expect(line).toMatch(/^Context /);
      } else {
        expect(Object.isFrozen(outcome.config)).toBe(true);
        // Only the key given may differ from the defaults.
        expect({ ...outcome.config, [key]: DEFAULT_CONFIG[key] }).toEqual(DEFAULT_CONFIG);
      }
    });
    fc.assert(property, { numRuns: 500 });
  });

  test('an accepted value, given back as context, gives the same config (the normal form is accepted as is)', () => {
    // Prepare
    const property = fc.property(configKey, contextValue, (key, value) => {
      const first = outcomeOf({ [key]: value });
      fc.pre('config' in first);
      if (!('config' in first)) return;

      // Act
      const again = outcomeOf({ ...first.config });

      // Assess
      expect(again).toEqual(first);
    });
    fc.assert(property, { numRuns: 300 });
  });

  test('a number and its text from -c give the same outcome for every integer key', () => {
    // Prepare
    const integerKeys = PIPELINE_CONFIG_KEYS.filter((k) => typeof DEFAULT_CONFIG[k] === 'number');
    const number = fc.oneof(fc.integer({ min: -10, max: 5000 }), fc.integer(), fc.double({ noNaN: true }));
    const property = fc.property(fc.constantFrom(...integerKeys), number, (key, n) => {
      // Act
      const fromJson = outcomeOf({ [key]: n });
      const fromText = outcomeOf({ [key]: String(n) });

      // Assess: the same config, or a refusal of both (the value shown as given differs: 5 vs "5")
      if ('config' in fromJson && 'config' in fromText) {
        expect(JSON.stringify(fromText.config)).toBe(JSON.stringify(fromJson.config));
      } else {
        expect(['refusal' in fromJson, 'refusal' in fromText]).toEqual([true, true]);
      }
    });
    fc.assert(property, { numRuns: 300 });
  });
});

describe('any context', () => {
  test('several keys at once, ours, CDK flags and others: a config or one refusal whose every line names a key given', () => {
    // Prepare
    const anyKey = fc.oneof(configKey, fc.constantFrom(...Object.keys(FLAGS)), fc.string({ minLength: 1 }));
    const property = fc.property(fc.dictionary(anyKey, contextValue, { maxKeys: 8 }), (context) => {
      // Act
      const outcome = outcomeOf(context);

      // Assess
      if ('refusal' in outcome) {
        const given = Object.keys(context);
        for (const line of outcome.refusal.message.split('\n')) {
          expect(line).toMatch(/^Context /);
          expect(given.some((key) => line.includes(key))).toBe(true);
        }
      }
    });
    fc.assert(property, { numRuns: 300 });
  });

  test("CDK's feature flags, whatever their values, are never taken for a typo of ours", () => {
    // Prepare
    const flags = fc.dictionary(fc.constantFrom(...Object.keys(FLAGS)), contextValue, { maxKeys: 20 });
    const property = fc.property(flags, (context) => {
      // Act
      const outcome = outcomeOf(context);

      // Assess
      expect(outcome).toEqual({ config: DEFAULT_CONFIG });
    });
    fc.assert(property, { numRuns: 200 });
  });
});
