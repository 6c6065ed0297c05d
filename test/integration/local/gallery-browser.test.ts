import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Locator, Page } from 'playwright-core';
import { generateSampleSubjects } from '../../../local/samples/generate-sample-subjects.js';
import { ensureChromium, launchChromium } from '../../support/chromium.js';
import { runLocalCli } from '../../support/local-cli.js';

/** The text as rendered, what a person reads (not hidden nodes), hence innerText rather than textContent. */
// biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what this test is about.
const visibleText = (locator: Locator) => locator.innerText();

const RESULTS = fileURLToPath(new URL('../../../test-results/', import.meta.url));

interface LoggedEvent {
  'detail-type': string;
  detail: Record<string, unknown>;
}

/**
 * The results gallery as a person sees it, in Debian's Chromium: one local run over three sample subjects (one
 * with every kind of unusable photo, one with too few photos, one with rejected prompts), then the page it
 * wrote, opened from file:// with every request that is not a local file refused.
 */
describe('DATA/report/index.html in a browser', () => {
  let root: string;
  let events: LoggedEvent[];
  let page: Page | undefined;
  let close: (() => Promise<void>) | undefined;
  const problems: string[] = [];
  let skipped: string | undefined;

  beforeAll(async () => {
    // Prepare
    const chromium = await ensureChromium();
    if (!chromium.ok) {
      skipped = chromium.why;
      console.warn(`Skipping the gallery browser test: ${chromium.why}`);
      return;
    }
    root = await mkdtemp(join(tmpdir(), 'gallery-browser-'));
    await generateSampleSubjects(join(root, 'input'), {
      subjects: ['mixed-dee', 'too-few-cam', 'prompts-fay'],
    });
    const run = await runLocalCli(['--input', join(root, 'input'), '--data', join(root, 'data'), '--quiet']);
    expect(run.code).toBe(0);
    events = (await readFile(join(root, 'data', 'events.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as LoggedEvent);
    const browser = await launchChromium();
    close = browser.close;
    page = await browser.context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning')
        problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    await page.route('**/*', (route) =>
      route.request().url().startsWith('file:')
        ? route.continue()
        : route.abort().finally(() => problems.push(`network: ${route.request().url()}`)),
    );
    await page.setViewportSize({ width: 1280, height: 900 });

    // Act
    await page.goto(pathToFileURL(join(root, 'data', 'report', 'index.html')).href, { waitUntil: 'load' });
  }, 240_000);

  afterAll(async () => {
    await close?.();
    if (root) await rm(root, { recursive: true, force: true });
  });

  const open = (): Page => {
    if (!page) throw new Error('no page');
    return page;
  };
  const detail = (type: string, subjectId: string) =>
    events.find((e) => e['detail-type'] === type && e.detail.subjectId === subjectId)?.detail ?? {};

  it('lists every subject of the run with its outcome', async () => {
    if (skipped) return;
    // Assess
    const rows = open()
      .getByRole('table', { name: /Every subject/ })
      .getByRole('row');
    const text = await rows.allInnerTexts();
    expect(text.slice(1).map((row) => row.split('\t').slice(0, 2))).toEqual([
      ['mixed-dee', 'Avatars Ready'],
      ['prompts-fay', 'Avatars Ready'],
      ['too-few-cam', 'Subject Rejected'],
    ]);
  });

  it("shows every photo of a subject with its verdict, and an excluded photo's reason and advice", async () => {
    if (skipped) return;
    // Prepare
    const accepted = detail('Subject Accepted', 'mixed-dee') as {
      photosUsed: unknown[];
      photosExcluded: unknown[];
    };
    const section = open().locator('#subject-mixed-dee');

    // Assess
    await expect(section.locator('.photos .badge.used').count()).resolves.toBe(accepted.photosUsed.length);
    await expect(section.locator('.photos .badge.excluded').count()).resolves.toBe(
      accepted.photosExcluded.length,
    );
    const heic = section.locator('.card', { hasText: 'IMG_4032.HEIC' });
    await expect(visibleText(heic)).resolves.toMatch(
      /Excluded[\s\S]*HEIC[\s\S]*What to do: Convert it to JPEG/,
    );
    const bomb = section.locator('.card', { hasText: 'panorama.png' });
    await expect(visibleText(bomb)).resolves.toMatch(/900\.0 megapixels/);
    await expect(bomb.getByRole('img').getAttribute('aria-label')).resolves.toMatch(
      /No preview of panorama\.png/,
    );
  });

  it('names why a rejected subject was rejected and what to do', async () => {
    if (skipped) return;
    // Assess
    const text = await visibleText(open().locator('#subject-too-few-cam'));
    expect(text).toMatch(/Rejected: Only 6 of the 6 photos of too-few-cam can be used/);
    expect(text).toMatch(/What to do: Add at least 4 more usable photos/);
  });

  it('shows every delivered avatar and each rejected prompt with its reason', async () => {
    if (skipped) return;
    // Prepare
    const ready = detail('Avatars Ready', 'prompts-fay') as { counts: { imagesDelivered: number } };
    const section = open().locator('#subject-prompts-fay');

    // Assess
    await expect(section.locator('.avatars img').count()).resolves.toBe(ready.counts.imagesDelivered);
    const rejected = await section.locator('.prompt', { hasText: 'Rejected before the GPU' }).allInnerTexts();
    expect(rejected).toHaveLength(3);
    expect(rejected.join('\n')).toMatch(/deny-list[\s\S]*language[\s\S]*length/);
    await expect(visibleText(section)).resolves.toMatch(/Estimated cost on AWS \(\$0\.\d\d\)/);
  });

  it('loads every image, from the data folder only, each with a text alternative, and no console errors', async () => {
    if (skipped) return;
    // Act
    const images = await open()
      .locator('img')
      .evaluateAll((elements) =>
        (elements as unknown as { src: string; alt: string; complete: boolean; naturalWidth: number }[]).map(
          (img) => ({ src: img.src, alt: img.alt, loaded: img.complete && img.naturalWidth > 0 }),
        ),
      );
    await mkdir(RESULTS, { recursive: true });
    await open().screenshot({ path: join(RESULTS, 'gallery.png'), fullPage: false });

    // Assess
    expect(images.length).toBeGreaterThan(40);
    expect(
      images.filter((img) => !img.loaded || img.alt.trim().length < 10 || !img.src.startsWith('file:')),
    ).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('can be used with the keyboard: the first Tab reaches the skip link, and a subject link leads to it', async () => {
    if (skipped) return;
    // Act
    const p = open();
    await p.keyboard.press('Tab');
    const first = await p.locator(':focus').textContent();
    await p.keyboard.press('Enter');
    const afterSkip = await p.locator(':focus').getAttribute('id');
    const link = p.getByRole('link', { name: 'too-few-cam', exact: true });
    await link.focus();
    await p.keyboard.press('Enter');

    // Assess
    expect(first).toBe('Skip to the results');
    expect(afterSkip).toBe('main');
    expect(new URL(p.url()).hash).toBe('#subject-too-few-cam');
  });
});
