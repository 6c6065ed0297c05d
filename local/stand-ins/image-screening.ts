import { crc32 } from 'node:zlib';
import type { ImageScreen, ModelEndpoint, ModerationLabel } from '../../functions/task-registry.js';

/**
 * The stand-in convention for "this generated image is unsafe": a PNG `tEXt` chunk with this keyword and, as
 * text, the JSON of the moderation label the stand-in screen reports ({"name","topLevelCategory","confidence"}).
 * Real images never carry it; the stand-in generator adds it through UnsafeMarkingEndpoint.
 */
export const UNSAFE_MARK_KEYWORD = 'avatar-pipeline-stand-in-unsafe';

/** Put this in a prompt (local runs) and every image generated from it is marked unsafe. */
export const UNSAFE_PROMPT_MARKER = '[stand-in:unsafe]';

export const DEFAULT_UNSAFE_LABEL: ModerationLabel = Object.freeze({
  name: 'Explicit Nudity',
  topLevelCategory: 'Explicit',
  confidence: 99,
});

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export class NotAPngError extends Error {
  override name = 'NotAPngError';
}

/** The PNG with a `tEXt` chunk marking it unsafe, inserted before IEND (pixels untouched). */
export function markUnsafe(png: Uint8Array, label: ModerationLabel = DEFAULT_UNSAFE_LABEL): Buffer {
  const bytes = Buffer.from(png);
  const iend = chunks(bytes).find((chunk) => chunk.type === 'IEND');
  if (!iend) throw new NotAPngError('No IEND chunk: not a complete PNG');
  const data = Buffer.concat([
    Buffer.from(UNSAFE_MARK_KEYWORD, 'latin1'),
    Buffer.from([0]),
    Buffer.from(JSON.stringify(label), 'latin1'),
  ]);
  const typeAndData = Buffer.concat([Buffer.from('tEXt', 'latin1'), data]);
  const chunk = Buffer.alloc(8 + data.length + 4);
  chunk.writeUInt32BE(data.length, 0);
  typeAndData.copy(chunk, 4);
  chunk.writeUInt32BE(crc32(typeAndData), 8 + data.length);
  return Buffer.concat([bytes.subarray(0, iend.offset), chunk, bytes.subarray(iend.offset)]);
}

/** The label a marked PNG carries; undefined for an unmarked image (or anything that is not a PNG). */
export function readUnsafeMark(png: Uint8Array): ModerationLabel | undefined {
  const bytes = Buffer.from(png);
  if (!bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return undefined;
  for (const chunk of chunks(bytes)) {
    if (chunk.type !== 'tEXt') continue;
    const data = bytes.subarray(chunk.offset + 8, chunk.offset + 8 + chunk.length);
    const separator = data.indexOf(0);
    if (separator < 0 || data.subarray(0, separator).toString('latin1') !== UNSAFE_MARK_KEYWORD) continue;
    try {
      return JSON.parse(data.subarray(separator + 1).toString('latin1')) as ModerationLabel;
    } catch {
      return DEFAULT_UNSAFE_LABEL;
    }
  }
  return undefined;
}

function chunks(bytes: Buffer): { type: string; offset: number; length: number }[] {
  if (!bytes.subarray(0, 8).equals(PNG_SIGNATURE)) throw new NotAPngError('Missing PNG signature');
  const found: { type: string; offset: number; length: number }[] = [];
  for (let offset = 8; offset + 12 <= bytes.length; ) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.subarray(offset + 4, offset + 8).toString('latin1');
    found.push({ type, offset, length });
    if (type === 'IEND') break;
    offset += 12 + length;
  }
  return found;
}

export function imageScreeningStandInNote(): string {
  return 'Generated images were NOT screened by Amazon Rekognition: the local stand-in blocks only images the stand-in generator marked unsafe.';
}

/**
 * Stand-in for Rekognition DetectModerationLabels on generated images: blocks nothing, EXCEPT images carrying
 * the unsafe mark (see UNSAFE_MARK_KEYWORD), for which it reports the marked label. So local runs and tests can
 * exercise quarantine, regeneration and withholding without a real moderation model.
 */
export class MarkedImageScreen implements ImageScreen {
  readonly performedBy = 'local-stand-in' as const;
  readonly note = imageScreeningStandInNote();

  async moderationLabels(png: Uint8Array): Promise<ModerationLabel[]> {
    const mark = readUnsafeMark(png);
    return mark ? [mark] : [];
  }
}

export interface UnsafeMarkingOptions {
  /** Images generated with these seeds are marked unsafe. */
  unsafeSeeds?: Iterable<number>;
  /** Images of prompts containing this text are marked unsafe (default UNSAFE_PROMPT_MARKER). */
  promptMarker?: string;
  label?: ModerationLabel;
}

/**
 * Wraps a ModelEndpoint (the local multi-model endpoint stand-in, or a test fake) and marks the images of
 * chosen seeds, or of prompts containing the marker, as unsafe; everything else passes through untouched.
 */
export class UnsafeMarkingEndpoint implements ModelEndpoint {
  readonly performedBy: ModelEndpoint['performedBy'];
  private readonly unsafeSeeds: Set<number>;
  private readonly promptMarker: string;

  constructor(
    private readonly inner: ModelEndpoint,
    private readonly options: UnsafeMarkingOptions = {},
  ) {
    this.performedBy = inner.performedBy;
    this.unsafeSeeds = new Set(options.unsafeSeeds ?? []);
    this.promptMarker = options.promptMarker ?? UNSAFE_PROMPT_MARKER;
  }

  async invoke(targetModel: string, body: string): Promise<string> {
    const answer = await this.inner.invoke(targetModel, body);
    const request = JSON.parse(body) as { inputs?: { name: string; data: unknown[] }[] };
    const input = (name: string) => request.inputs?.find((entry) => entry.name === name)?.data[0];
    const prompt = String(input('prompt') ?? '');
    const seed = Number(input('seed'));
    if (!this.unsafeSeeds.has(seed) && !prompt.includes(this.promptMarker)) return answer;
    const response = JSON.parse(answer) as { outputs: { name: string; data: unknown[] }[] };
    for (const output of response.outputs) {
      if (output.name === 'image' && typeof output.data[0] === 'string') {
        output.data[0] = markUnsafe(Buffer.from(output.data[0], 'base64'), this.options.label).toString(
          'base64',
        );
      }
    }
    return JSON.stringify(response);
  }
}
