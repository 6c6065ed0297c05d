import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { writeGallery } from '../../../local/report/gallery.js';
import { DataFolder } from '../../../local/state/data-folder.js';
import { marker, RUN_1, sampleEvent } from './local-events.js';

const DEE = { subjectId: 'mixed-dee', imageSetId: 'is-df7c7469330aaa6f' };
const DEE_MODEL = { subjectId: 'mixed-dee', modelVersion: 'v-3b629fe486cd' };

describe('the results gallery page', () => {
  let root: string;
  let data: DataFolder;
  let html: string;

  beforeAll(async () => {
    // Prepare: the events of one subject, and in the bucket two of its photos and one avatar (the rest is gone).
    root = await mkdtemp(join(tmpdir(), 'gallery-'));
    data = new DataFolder(root);
    const ready = sampleEvent('avatars-ready', DEE_MODEL);
    const prompts = (ready.detail.prompts as { prompt: string; delivered: { key: string }[] }[]).map(
      (p, i) => (i === 0 ? { ...p, prompt: 'zwx as <b>bold</b> & "quoted"' } : p),
    );
    ready.detail = { ...ready.detail, prompts };
    const events = [
      marker(RUN_1),
      sampleEvent('subject-received', DEE),
      sampleEvent('subject-accepted', DEE),
      sampleEvent('training-started', DEE),
      sampleEvent('model-ready', DEE),
      sampleEvent('prompt-rejected', DEE_MODEL),
      ready,
    ];
    await mkdir(root, { recursive: true });
    await writeFile(data.events, events.map((e) => `${JSON.stringify(e)}\n`).join(''));
    const jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#88aacc' } })
      .jpeg()
      .toBuffer();
    const firstAvatar = prompts[0]?.delivered[0]?.key as string;
    for (const key of [
      'subjects/mixed-dee/IMG_0001.jpg',
      'subjects/mixed-dee/IMG_0001_copy.jpg',
      firstAvatar,
    ]) {
      const file = join(data.bucket, ...key.split('/'));
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, jpeg);
    }
    await writeFile(join(data.bucket, 'subjects', 'mixed-dee', 'IMG_0101.jpg'), jpeg.subarray(0, 100));

    // Act
    const written = await writeGallery(data, { now: new Date('2026-11-25T12:00:00Z') });
    html = await readFile(written.file, 'utf8');
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('describes every image in words and links only files of the data folder that exist', () => {
    // Assess
    const images = [...html.matchAll(/<img src="([^"]+)" alt="([^"]*)"/g)];
    expect(images.length).toBeGreaterThanOrEqual(3);
    for (const [, src, alt] of images) {
      expect(alt?.length).toBeGreaterThan(10);
      expect(existsSync(join(data.report, decodeURIComponent(src ?? '')))).toBe(true);
    }
    const links = [...html.matchAll(/(?:src|href)="([^"#]+)"/g)].map(([, url]) => url);
    expect(links.filter((url) => /^[a-z]+:/i.test(url ?? ''))).toEqual([]);
    expect(html).toContain(`Content-Security-Policy`);
    expect(html).not.toMatch(/<script/i);
  });

  it("shows each photo's verdict, and for an excluded one the reason and the advice", () => {
    // Assess
    expect(html).toContain('IMG_0001_copy.jpg');
    expect(html).toContain('EXACT_DUPLICATE');
    expect(html).toMatch(/IMG_0001_copy\.jpg is a byte-for-byte copy of IMG_0001\.jpg/);
    expect(html).toMatch(/What to do:<\/strong> Nothing to do/);
    expect(html).toMatch(/No preview<br><small>the file is damaged<\/small>/);
    expect(html).toMatch(/No preview<br><small>the file is no longer in the bucket<\/small>/);
  });

  it('names each prompt with its screening verdict, escaped, and each rejected prompt with its rule', () => {
    // Assess
    expect(html).toContain('zwx as &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;');
    expect(html).toContain('Passed screening');
    expect(html).toContain('Rejected before the GPU');
    expect(html).toMatch(/Estimated cost on AWS/);
  });
});
