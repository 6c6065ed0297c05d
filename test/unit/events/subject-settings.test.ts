import {
  InvalidSubjectSettingsError,
  MAX_PROBLEM_MESSAGE_CHARS,
  MAX_REPORTED_PROBLEMS,
  parseSubjectSettingsJson,
} from '../../../events/subject-settings.js';

describe('parseSubjectSettingsJson', () => {
  it('fills the defaults of an empty subject.json', () => {
    // Act
    const result = parseSubjectSettingsJson('{}');
    // Assess
    expect(result).toEqual({ success: true, settings: { classWord: 'person', token: 'zwx' } });
  });

  it('names a misspelt field instead of ignoring it', () => {
    // Act
    const result = parseSubjectSettingsJson('{"classword": "woman"}');
    // Assess
    expect(result.success).toBe(false);
    const error = !result.success && result.error;
    expect(error).toBeInstanceOf(InvalidSubjectSettingsError);
    expect(error ? error.kind : undefined).toBe('invalid');
    expect(error ? error.message : undefined).toMatch(
      /^subject\.json has invalid settings: \(root\): .*"classword"/,
    );
  });

  it('names the field and the rule of a bad value, with its path inside arrays and objects', () => {
    // Act
    const result = parseSubjectSettingsJson('{"prompts": ["ok", ""], "training": {"resolution": 500}}');
    // Assess
    expect(!result.success && result.error.problems.map((p) => p.path)).toEqual([
      'prompts.1',
      'training.resolution',
    ]);
  });

  it('says a file that is not JSON is not JSON', () => {
    // Act
    const result = parseSubjectSettingsJson('classWord: woman');
    // Assess
    expect(!result.success && result.error.kind).toBe('not-json');
    expect(!result.success && result.error.message).toMatch(/^subject\.json is not JSON: /);
  });

  it('reports a file with many faults by its first ones', () => {
    // Prepare
    const prompts = Array.from({ length: 20 }, () => 'x'.repeat(3000));
    // Act
    const result = parseSubjectSettingsJson(JSON.stringify({ prompts, classword: 'woman' }));
    // Assess
    const problems = result.success ? [] : result.error.problems;
    expect(problems).toHaveLength(MAX_REPORTED_PROBLEMS + 1);
    expect(problems[0]?.path).toBe('prompts.0');
    expect(problems.at(-1)).toEqual({ path: '', message: 'and 1 more problems' });
  });

  it('cuts short the message naming thousands of unknown fields, first ones kept', () => {
    // Prepare
    const keys = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`unknown-${i}`, i]));
    // Act
    const result = parseSubjectSettingsJson(JSON.stringify(keys));
    // Assess
    const problems = result.success ? [] : result.error.problems;
    expect(problems).toHaveLength(1);
    expect(problems[0]?.message.length).toBe(MAX_PROBLEM_MESSAGE_CHARS);
    expect(problems[0]?.message).toMatch(/^Unrecognized keys: "unknown-0", "unknown-1", .*\.\.\.$/);
  });
});
