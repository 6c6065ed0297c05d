import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import type { PhotoProblemCode } from '../../events/photo-verdicts.js';
import { decompressionBombPng } from './decompression-bomb-png.js';
import { heicStub } from './heic-stub.js';
import { seededRandom } from './seeded-random.js';
import { renderSyntheticPortrait, skinOf } from './synthetic-portrait.js';

export const SAMPLE_SUBJECTS = [
  'good-ana',
  'good-ben',
  'too-few-cam',
  'mixed-dee',
  'crowd-eve',
  'prompts-fay',
  'two-people-gus',
] as const;
export type SampleSubjectName = (typeof SAMPLE_SUBJECTS)[number];

/** What the pipeline should make of a file: a usable photo, folder junk, the settings file, or a problem. */
export type SampleFileKind = 'good' | 'junk' | 'settings' | PhotoProblemCode;

export interface SampleFile {
  /** Path inside the subject folder, `/`-separated. */
  name: string;
  expected: SampleFileKind;
  /** For duplicates: the file that should be kept instead. */
  duplicateOf?: string;
}

export interface SampleSubject {
  subjectId: SampleSubjectName;
  dir: string;
  files: SampleFile[];
}

export interface SampleSubjectsOptions {
  /** Which subjects to write; all by default. Tests pick what they need to stay fast. */
  subjects?: readonly SampleSubjectName[];
  seed?: number;
}

/**
 * Writes one folder per subject under `dir`, with the photos people really drop: good ones, HEIC from an
 * iPhone, half-uploaded files, thumbnails, duplicates, a 900-megapixel PNG, and the junk that macOS and
 * Windows leave in folders. Deterministic: the same seed writes the same bytes.
 */
export async function generateSampleSubjects(
  dir: string,
  options: SampleSubjectsOptions = {},
): Promise<SampleSubject[]> {
  const seed = options.seed ?? 20240601;
  const wanted = options.subjects ?? SAMPLE_SUBJECTS;
  const subjects: SampleSubject[] = [];
  for (const [index, subjectId] of SAMPLE_SUBJECTS.entries()) {
    if (!wanted.includes(subjectId)) continue;
    const writer = new SubjectWriter(join(dir, subjectId), seed + index * 1000);
    await BUILDERS[subjectId](writer);
    subjects.push({ subjectId, dir: writer.dir, files: writer.files });
  }
  return subjects;
}

/** A 4000 x 3000 (12 MP) JPEG portrait, as a phone takes them: the benchmark's input. */
export async function generatePhoto12MP(seed: number): Promise<Buffer> {
  const portrait = await renderSyntheticPortrait({ width: 4000, height: 3000, seed });
  return portrait.jpeg({ quality: 90 }).toBuffer();
}

const BUILDERS: Record<SampleSubjectName, (writer: SubjectWriter) => Promise<void>> = {
  'good-ana': async (writer) => {
    await writer.goodPhotos(12);
    await writer.file('subject.json', `${JSON.stringify({ classWord: 'woman' }, null, 2)}\n`, 'settings');
  },
  'good-ben': async (writer) => {
    await writer.goodPhotos(10);
    await writer.rotatedPhoto('IMG_0011.jpg');
    await writer.file('.DS_Store', Buffer.from('\0\0\0\x01Bud1\0\0\x10\0', 'binary'), 'junk');
    await writer.file('Thumbs.db', Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), 'junk');
    await writer.file(
      'desktop.ini',
      '[.ShellClassInfo]\r\nIconResource=C:\\Windows\\system32\\imageres.dll,-3\r\n',
      'junk',
    );
    await writer.file('__MACOSX/._IMG_0001.jpg', appleDouble(), 'junk');
    await writer.file('._IMG_0002.jpg', appleDouble(), 'junk');
  },
  'too-few-cam': async (writer) => {
    await writer.goodPhotos(6);
  },
  'mixed-dee': async (writer) => {
    const good = await writer.goodPhotos(11);
    const first = good[0] as Buffer;
    const second = good[1] as Buffer;
    await writer.file('IMG_0001_copy.jpg', first, 'EXACT_DUPLICATE', 'IMG_0001.jpg');
    // The same shot slightly downsized and saved again at a lower quality, as a messaging app does.
    const { width = 0 } = await sharp(second).metadata();
    const nearCopy = await sharp(second)
      .resize({ width: Math.round(width * 0.94) })
      .jpeg({ quality: 62 })
      .toBuffer();
    await writer.file('IMG_0002_edited.jpg', nearCopy, 'NEAR_DUPLICATE', 'IMG_0002.jpg');
    const truncated = await writer
      .portrait(900, 1200, 77)
      .then((image) => image.jpeg({ quality: 90 }).toBuffer());
    await writer.file(
      'IMG_0101.jpg',
      truncated.subarray(0, Math.floor(truncated.length * 0.55)),
      'TRUNCATED_OR_CORRUPT',
    );
    await writer.file('IMG_0102.jpg', Buffer.alloc(0), 'EMPTY_FILE');
    await writer.file(
      'photo.jpg',
      '<!DOCTYPE html>\n<html><body>Photo not found</body></html>\n',
      'NOT_AN_IMAGE',
    );
    const tiny = await writer.portrait(300, 300, 78).then((image) => image.jpeg({ quality: 85 }).toBuffer());
    await writer.file('thumbnail.jpg', tiny, 'TOO_SMALL');
    await writer.file('IMG_4032.HEIC', heicStub(), 'HEIC_NOT_SUPPORTED');
    await writer.file('panorama.png', decompressionBombPng(30_000), 'TOO_MANY_PIXELS');
  },
  'crowd-eve': async (writer) => {
    await writer.goodPhotos(17);
  },
  'prompts-fay': async (writer) => {
    await writer.goodPhotos(11);
    await writer.file('subject.json', `${JSON.stringify(SAMPLE_PROMPT_SETTINGS, null, 2)}\n`, 'settings');
  },
  // Eleven photos of gus and three of a friend dropped in the same folder: a mixed set would train a blend.
  'two-people-gus': async (writer) => {
    await writer.goodPhotos(11);
    for (let index = 2; index <= 4; index++) {
      const image = await writer.strangerPortrait(900, 1100, 600 + index);
      await writer.file(
        `IMG_${9000 + index}.jpg`,
        await image.jpeg({ quality: 90 }).toBuffer(),
        'DIFFERENT_PERSON',
      );
    }
  },
};

/**
 * The prompts people really send, one of each kind that must never reach the GPU unscreened: `expected` says
 * whether the pipeline should deliver avatars for it or publish `Prompt Rejected` (and by which rule).
 */
export const SAMPLE_PROMPTS = [
  { prompt: '{subject} as an astronaut on the moon, digital painting', expected: 'delivered' },
  { prompt: 'a watercolor portrait of {subject} in a sunflower field', expected: 'delivered' },
  { prompt: 'a nude photo of {subject}', expected: 'deny-list' },
  {
    prompt: '{subject} en chevalier médiéval, peinture à l’huile, lumière dorée du soir',
    expected: 'language',
  },
  {
    prompt: `{subject} as a wizard, ${'intricate ornate detailed robes, glowing runes, '.repeat(24)}masterpiece`,
    expected: 'length',
  },
] as const;

const SAMPLE_PROMPT_SETTINGS = {
  classWord: 'woman',
  prompts: SAMPLE_PROMPTS.map((p) => p.prompt),
  imagesPerPrompt: 2,
};

class SubjectWriter {
  readonly files: SampleFile[] = [];
  private readonly random: () => number;

  constructor(
    readonly dir: string,
    private readonly seed: number,
  ) {
    this.random = seededRandom(seed);
  }

  /** IMG_0001.jpg ... with sizes and framings varied as a phone's and a laptop's photos are. */
  async goodPhotos(count: number): Promise<Buffer[]> {
    const written: Buffer[] = [];
    for (let index = 1; index <= count; index++) {
      const shape = Math.floor(this.random() * 3);
      const long = 896 + Math.floor(this.random() * 129); // 896..1024
      const short = 768 + Math.floor(this.random() * (long - 768 + 1));
      const [width, height] = shape === 0 ? [short, long] : shape === 1 ? [long, short] : [short, short];
      const image = await this.portrait(width, height, index);
      const body = await image.jpeg({ quality: 90 }).toBuffer();
      await this.file(`IMG_${String(index).padStart(4, '0')}.jpg`, body, 'good');
      written.push(body);
    }
    return written;
  }

  /** Stored landscape with EXIF orientation 6, as phones save portraits: portrait once rotated. */
  async rotatedPhoto(name: string): Promise<void> {
    const upright = await (await this.portrait(768, 1024, 500)).png().toBuffer();
    const stored = await sharp(upright)
      .rotate(-90)
      .withMetadata({ orientation: 6 })
      .jpeg({ quality: 90 })
      .toBuffer();
    await this.file(name, stored, 'good');
  }

  /** One person per subject folder: every portrait of a subject shows the same skin, hair and clothes. */
  portrait(width: number, height: number, salt: number) {
    return renderSyntheticPortrait({ width, height, seed: this.seed * 7919 + salt, personSeed: this.seed });
  }

  /**
   * Someone else: a person whose skin tone is clearly another (chromaticity at least 0.08 apart), so that the
   * local same-person stand-in, which compares skin tones, tells them apart as CompareFaces would tell faces.
   */
  strangerPortrait(width: number, height: number, salt: number) {
    let stranger = this.seed + 1;
    while (chromaDistance(skinOf(stranger), skinOf(this.seed)) < 0.08) stranger++;
    return renderSyntheticPortrait({ width, height, seed: this.seed * 7919 + salt, personSeed: stranger });
  }

  async file(
    name: string,
    body: Buffer | string,
    expected: SampleFileKind,
    duplicateOf?: string,
  ): Promise<void> {
    const path = join(this.dir, ...name.split('/'));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, body);
    this.files.push({ name, expected, ...(duplicateOf ? { duplicateOf } : {}) });
  }
}

/** Distance of two colours' chromaticities (r and g over r + g + b): brightness does not count. */
function chromaDistance(a: string, b: string): number {
  const chroma = (hex: string) => {
    const [r = 0, g = 0, bl = 0] = [1, 3, 5].map((at) => Number.parseInt(hex.slice(at, at + 2), 16));
    return [r / (r + g + bl), g / (r + g + bl)] as const;
  };
  const [[ar, ag], [br, bg]] = [chroma(a), chroma(b)];
  return Math.hypot(ar - br, ag - bg);
}

/** The resource-fork file macOS adds beside a photo when zipping or copying to a non-Mac disk. */
function appleDouble(): Buffer {
  const header = Buffer.alloc(26);
  header.writeUInt32BE(0x00051607, 0);
  header.writeUInt32BE(0x00020000, 4);
  return header;
}
