import { UnknownStyleError } from '../../../functions/generation/errors.js';
import { DEFAULT_STYLE_PACK, planPrompts, seedFor } from '../../../functions/generation/prompts.js';

const SUBJECT = { token: 'zwx', classWord: 'woman' };

describe('planPrompts', () => {
  it('plans the whole style pack, subject substituted, when neither prompts nor styles are given', () => {
    // Act
    const planned = planPrompts({ ...SUBJECT, imagesPerPrompt: 3 }, 'req-1');
    // Assess
    expect(DEFAULT_STYLE_PACK).toHaveLength(6);
    expect(planned.map((p) => p.promptId)).toEqual(['p01', 'p02', 'p03', 'p04', 'p05', 'p06']);
    expect(planned.map((p) => p.style)).toEqual(DEFAULT_STYLE_PACK.map((s) => s.name));
    for (const prompt of planned) {
      expect(prompt.prompt).toMatch(/^a portrait of zwx woman as /);
      expect(prompt.prompt).not.toContain('{subject}');
      expect(prompt.negativePrompt.length).toBeGreaterThan(0);
      expect(prompt.seeds).toHaveLength(3);
    }
  });

  it('plans the named styles in the order asked, case-insensitively', () => {
    const planned = planPrompts({ ...SUBJECT, styles: ['Anime', 'astronaut'] }, 'req-1');
    expect(planned.map((p) => [p.promptId, p.style])).toEqual([
      ['p01', 'anime'],
      ['p02', 'astronaut'],
    ]);
  });

  it('refuses an unknown style, naming it and the valid ones', () => {
    const act = () => planPrompts({ ...SUBJECT, styles: ['anime', 'claymation'] }, 'req-1');
    expect(act).toThrow(UnknownStyleError);
    try {
      act();
    } catch (error) {
      expect((error as UnknownStyleError).unknownStyles).toEqual(['claymation']);
      expect((error as UnknownStyleError).validStyles).toEqual(DEFAULT_STYLE_PACK.map((s) => s.name));
      expect((error as Error).message).toMatch(/"claymation".*astronaut, oil-painting/);
    }
  });

  it('substitutes {subject} in explicit prompts, keeps a prompt naming the token, and asks for the subject otherwise', () => {
    const planned = planPrompts(
      {
        ...SUBJECT,
        prompts: ['{subject} on the moon', 'zwx riding a horse', 'a castle at dawn', '   '],
        styles: ['anime'],
      },
      'req-1',
    );
    expect(planned.map((p) => p.prompt)).toEqual([
      'zwx woman on the moon',
      'zwx riding a horse',
      'a castle at dawn, portrait of zwx woman',
      '',
    ]);
    expect(planned.every((p) => p.style === undefined)).toBe(true);
  });

  it('derives seeds from request, prompt and image index: the same request reproduces them, another does not', () => {
    const first = planPrompts({ ...SUBJECT, imagesPerPrompt: 4 }, 'req-1');
    const again = planPrompts({ ...SUBJECT, imagesPerPrompt: 4 }, 'req-1');
    const other = planPrompts({ ...SUBJECT, imagesPerPrompt: 4 }, 'req-2');
    expect(again).toEqual(first);
    expect(other[0]?.seeds).not.toEqual(first[0]?.seeds);
    const all = first.flatMap((p) => p.seeds);
    expect(new Set(all).size).toBe(all.length);
    expect(first[1]?.seeds[2]).toBe(seedFor('req-1', 'p02', 2));
    for (const seed of all) expect(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 31).toBe(true);
    expect(seedFor('req-1', 'p01', 0, 1)).not.toBe(seedFor('req-1', 'p01', 0, 0));
  });
});
