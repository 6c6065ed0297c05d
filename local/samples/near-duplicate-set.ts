import sharp from 'sharp';
import { type Pose, renderSyntheticPortrait } from './synthetic-portrait.js';

/**
 * The poses of distinct shots, as a person asked for "varied poses" takes them: each differs from every other by
 * at least 8% of the width or of the height in where the head is, or by a quarter in how large it is; the tilt
 * changes too, but never alone (a tilt alone is a burst of one shot, not a new one).
 */
const POSES: Pose[] = [-0.12, -0.04, 0.04, 0.12].flatMap((x, column) =>
  [0.38, 0.46].flatMap((y, row) =>
    [0.17, 0.22].map((size, scale) => ({ x, y, size, tilt: ((column + row + scale) % 3) * 5 - 5 })),
  ),
);
/** A fixed order that spreads the first shots over the grid. */
const POSE_ORDER = [0, 13, 6, 11, 2, 15, 4, 9, 1, 12, 7, 10, 3, 14, 5, 8];

/** One photo of the set, and which shot it is: two photos of the same shot are duplicates, of two shots not. */
export interface LabelledPhoto {
  name: string;
  /** Photos with the same shot id are the same shot (a copy, re-encode, resize or small crop of it). */
  shot: string;
  body: Buffer;
}

export interface NearDuplicateSetOptions {
  /** People, each shot in front of one wall of their own. */
  people: number;
  /** Distinct shots of each person, same wall: only pose, head size, tilt and expression change (at most 16). */
  shotsPerPerson: number;
  /** Shots (the first of each person, then the next...) that also get every variant below. */
  variedShots: number;
  /** Side of the shots; variants derive from it. */
  side?: number;
  seed?: number;
}

/**
 * What a near-duplicate rule must tell apart: what a phone, a messaging app or an editor makes of one shot
 * (re-encoded, resized, slightly cropped, brightened, converted) versus distinct shots of one person in front of
 * one wall, which differ only by the pose. Deterministic: the same options give the same bytes.
 */
export const VARIANTS: Record<string, (shot: Buffer, side: number) => Promise<Buffer>> = {
  'jpeg q60': (shot) => sharp(shot).jpeg({ quality: 60 }).toBuffer(),
  'jpeg q45': (shot) => sharp(shot).jpeg({ quality: 45 }).toBuffer(),
  'resize 94%': (shot, side) =>
    sharp(shot)
      .resize(Math.round(side * 0.94))
      .jpeg({ quality: 85 })
      .toBuffer(),
  'resize 50%': (shot, side) =>
    sharp(shot)
      .resize(Math.round(side * 0.5))
      .jpeg({ quality: 85 })
      .toBuffer(),
  'crop 3% each side': (shot, side) => {
    const margin = Math.round(side * 0.03);
    return sharp(shot)
      .extract({ left: margin, top: margin, width: side - 2 * margin, height: side - 2 * margin })
      .jpeg({ quality: 90 })
      .toBuffer();
  },
  'crop 6% off the bottom': (shot, side) =>
    sharp(shot)
      .extract({ left: 0, top: 0, width: side, height: Math.round(side * 0.94) })
      .jpeg({ quality: 90 })
      .toBuffer(),
  'brighter 8%': (shot) => sharp(shot).modulate({ brightness: 1.08 }).jpeg({ quality: 90 }).toBuffer(),
  'webp q75': (shot) => sharp(shot).webp({ quality: 75 }).toBuffer(),
  png: (shot) => sharp(shot).png().toBuffer(),
};

export async function nearDuplicateSet(options: NearDuplicateSetOptions): Promise<LabelledPhoto[]> {
  const side = options.side ?? 768;
  const seed = options.seed ?? 4242;
  const photos: LabelledPhoto[] = [];
  for (let person = 0; person < options.people; person++) {
    for (let index = 0; index < options.shotsPerPerson; index++) {
      const shot = `person${person}/shot${String(index).padStart(2, '0')}`;
      const portrait = await renderSyntheticPortrait({
        width: side,
        height: side,
        seed: seed + person * 1000 + index,
        pose: POSES[POSE_ORDER[index % POSE_ORDER.length] as number],
        sceneSeed: seed + person * 7,
        personSeed: seed + person * 13,
      });
      const body = await portrait.jpeg({ quality: 92 }).toBuffer();
      photos.push({ name: `${shot}.jpg`, shot, body });
      if (index < options.variedShots) {
        for (const [variant, make] of Object.entries(VARIANTS)) {
          photos.push({ name: `${shot} (${variant})`, shot, body: await make(body, side) });
        }
      }
    }
  }
  return photos;
}
