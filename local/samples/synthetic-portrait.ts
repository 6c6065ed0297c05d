import sharp, { type Sharp } from 'sharp';
import { between, pick, type Random, seededRandom } from './seeded-random.js';

export interface PortraitOptions {
  width: number;
  height: number;
  /** The shot: head position, size, tilt and expression (and, unless fixed below, everything else). */
  seed: number;
  /** Fixes the background (the wall behind): shots with the same scene seed stand in front of the same wall. */
  sceneSeed?: number;
  /** Fixes who it is (skin, hair, clothes): portraits with the same person seed show the same person. */
  personSeed?: number;
  /** Fixes the pose instead of drawing it: head centre as ratios of the frame, head height ratio, tilt (deg). */
  pose?: Pose;
}

export interface Pose {
  /** Horizontal offset of the head centre from the middle, as a ratio of the width (-0.15..0.15). */
  x: number;
  /** Head centre, as a ratio of the height (0.36..0.48). */
  y: number;
  /** Head half-height as a ratio of the height (0.16..0.24). */
  size: number;
  /** Degrees (-8..8). */
  tilt: number;
}

export const SKIN = ['#f1c7a5', '#e0ac69', '#c68642', '#8d5524', '#ffdbac', '#d1a384'];
const HAIR = ['#2b1b10', '#4a2f1b', '#7b4b2a', '#c9a063', '#1c1c1c', '#8a3b12'];
const CLOTHES = ['#1f4e79', '#7a1f3d', '#2e6b30', '#444444', '#b35900', '#5b2c83', '#0f7c80'];

/**
 * A face-like portrait: head, hair, eyes, mouth, shoulders, over a background of random gradient and shapes,
 * with sensor-like noise. Backgrounds, framing and head size vary enough that perceptual hashes of two
 * portraits differ clearly; it is not a face a real detector would find, and does not need to be. With
 * `sceneSeed` and `personSeed`, one person can be shot many times in front of one wall (only the pose changes):
 * the hard case for a near-duplicate rule. Without them, one seed draws everything, as it always has.
 */
/** The skin tone of a person seed, as renderSyntheticPortrait draws it (the first pick of the person stream). */
export function skinOf(personSeed: number): string {
  return pick(seededRandom(personSeed), SKIN);
}

export async function renderSyntheticPortrait(options: PortraitOptions): Promise<Sharp> {
  const random = seededRandom(options.seed);
  const streams = {
    shot: random,
    scene: options.sceneSeed === undefined ? random : seededRandom(options.sceneSeed),
    person: options.personSeed === undefined ? random : seededRandom(options.personSeed),
  };
  const svg = portraitSvg(streams, options.width, options.height, options.pose);
  const noise = sensorNoise(random, options.width, options.height);
  return sharp(Buffer.from(svg)).composite([
    { input: noise, raw: { width: options.width, height: options.height, channels: 1 }, blend: 'soft-light' },
  ]);
}

function portraitSvg(
  streams: { shot: Random; scene: Random; person: Random },
  width: number,
  height: number,
  pose?: Pose,
): string {
  const { shot: random, scene, person } = streams;
  const short = Math.min(width, height);
  // Muted backgrounds, as in real portraits: the face, not a poster behind it, is what stands out.
  const colour = () =>
    `hsl(${Math.floor(between(scene, 0, 360))},${Math.floor(between(scene, 5, 35))}%,${Math.floor(between(scene, 30, 75))}%)`;
  const angle = Math.floor(between(scene, 0, 360));
  const shapes: string[] = [];
  const shapeCount = 4 + Math.floor(scene() * 6);
  for (let index = 0; index < shapeCount; index++) {
    const x = between(scene, 0, width);
    const y = between(scene, 0, height);
    const size = between(scene, 0.1, 0.45) * short;
    const fill = colour();
    if (scene() < 0.5) {
      shapes.push(
        `<circle cx="${x.toFixed(0)}" cy="${y.toFixed(0)}" r="${(size / 2).toFixed(0)}" fill="${fill}"/>`,
      );
    } else {
      const rotation = Math.floor(between(scene, 0, 90));
      shapes.push(
        `<rect x="${x.toFixed(0)}" y="${y.toFixed(0)}" width="${size.toFixed(0)}" height="${(size * between(scene, 0.4, 2)).toFixed(0)}" fill="${fill}" transform="rotate(${rotation} ${x.toFixed(0)} ${y.toFixed(0)})"/>`,
      );
    }
  }
  // Drawn even when the pose is given, so the rest of the picture draws the same numbers either way.
  const drawn = { size: between(random, 0.16, 0.24), aspect: between(random, 0.7, 0.8) };
  const drawnX = between(random, -0.15, 0.15);
  const drawnY = between(random, 0.36, 0.48);
  const headRy = (pose?.size ?? drawn.size) * height * (width < height ? 0.85 : 1);
  const headRx = headRy * drawn.aspect;
  const cx = width / 2 + (pose?.x ?? drawnX) * width;
  const cy = height * (pose?.y ?? drawnY);
  const skin = pick(person, SKIN);
  const hair = pick(person, HAIR);
  const clothes = pick(person, CLOTHES);
  const eyeY = cy - headRy * 0.12;
  const eyeDx = headRx * 0.4;
  const eyeR = headRx * 0.13;
  const mouthY = cy + headRy * 0.45;
  const drawnTilt = between(random, -8, 8);
  const tilt = (pose?.tilt ?? drawnTilt).toFixed(1);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
  <defs><linearGradient id="bg" gradientTransform="rotate(${angle} 0.5 0.5)">
    <stop offset="0" stop-color="${colour()}"/><stop offset="1" stop-color="${colour()}"/></linearGradient></defs>
  <rect width="100%" height="100%" fill="url(#bg)"/>
  ${shapes.join('\n  ')}
  <ellipse cx="${cx}" cy="${cy + headRy * 2.6}" rx="${headRx * 2.6}" ry="${headRy * 1.6}" fill="${clothes}"/>
  <rect x="${cx - headRx * 0.35}" y="${cy + headRy * 0.7}" width="${headRx * 0.7}" height="${headRy * 0.8}" fill="${skin}"/>
  <g transform="rotate(${tilt} ${cx} ${cy})">
    <ellipse cx="${cx}" cy="${cy - headRy * 0.25}" rx="${headRx * 1.12}" ry="${headRy * 0.95}" fill="${hair}"/>
    <ellipse cx="${cx}" cy="${cy}" rx="${headRx}" ry="${headRy}" fill="${skin}"/>
    <ellipse cx="${cx - eyeDx}" cy="${eyeY}" rx="${eyeR * 1.6}" ry="${eyeR}" fill="#ffffff"/>
    <ellipse cx="${cx + eyeDx}" cy="${eyeY}" rx="${eyeR * 1.6}" ry="${eyeR}" fill="#ffffff"/>
    <circle cx="${cx - eyeDx}" cy="${eyeY}" r="${eyeR * 0.7}" fill="#2a1d12"/>
    <circle cx="${cx + eyeDx}" cy="${eyeY}" r="${eyeR * 0.7}" fill="#2a1d12"/>
    <rect x="${cx - eyeDx - eyeR * 1.6}" y="${eyeY - eyeR * 2.2}" width="${eyeR * 3.2}" height="${eyeR * 0.5}" fill="${hair}"/>
    <rect x="${cx + eyeDx - eyeR * 1.6}" y="${eyeY - eyeR * 2.2}" width="${eyeR * 3.2}" height="${eyeR * 0.5}" fill="${hair}"/>
    <path d="M ${cx} ${eyeY + eyeR} L ${cx - eyeR} ${cy + headRy * 0.25} L ${cx + eyeR * 0.5} ${cy + headRy * 0.25}" stroke="#8a5a3c" stroke-width="${eyeR * 0.3}" fill="none"/>
    <path d="M ${cx - headRx * 0.35} ${mouthY} Q ${cx} ${mouthY + headRy * between(random, 0.05, 0.2)} ${cx + headRx * 0.35} ${mouthY}" stroke="#9b3b3b" stroke-width="${eyeR * 0.5}" fill="none"/>
  </g>
</svg>`;
}

/** Grey noise around mid-grey: soft-light with 128 changes nothing, so this is grain, not a tint. */
function sensorNoise(random: Random, width: number, height: number): Buffer {
  const noise = Buffer.allocUnsafe(width * height);
  const words = new Uint32Array(noise.buffer, noise.byteOffset, Math.floor(noise.length / 4));
  let state = Math.floor(random() * 0xffffffff) | 1;
  for (let index = 0; index < words.length; index++) {
    // xorshift32: 4 bytes per step keeps 12 MP of grain well under 50 ms.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    // Each byte in 112..143: gentle grain.
    words[index] = ((state >>> 0) & 0x1f1f1f1f) + 0x70707070;
  }
  for (let index = words.length * 4; index < noise.length; index++) noise[index] = 128;
  return noise;
}
