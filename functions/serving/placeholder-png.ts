import { crc32, deflateSync } from 'node:zlib';

/**
 * A PNG drawn without an image library (the generation function has none, and a dry run must not load one):
 * a two-colour diagonal gradient chosen by the seed, with a `tEXt` chunk that says what it stands for. Small,
 * valid, and never mistaken for a generated avatar: its pixels hold no face and its metadata says dry run.
 */
export function placeholderPng(options: { seed: number; side?: number; note: string }): Buffer {
  const side = options.side ?? 256;
  const hue = Math.abs(Math.trunc(options.seed) * 47) % 360;
  const [from, to] = [rgbOfHue(hue), rgbOfHue((hue + 120) % 360)];
  // One filter byte (0: none) before each row of RGB pixels.
  const rows = Buffer.alloc(side * (1 + side * 3));
  for (let y = 0; y < side; y++) {
    const row = y * (1 + side * 3);
    for (let x = 0; x < side; x++) {
      const t = (x + y) / (2 * (side - 1));
      const pixel = row + 1 + x * 3;
      from.forEach((start, c) => {
        rows[pixel + c] = Math.round(start + ((to[c] ?? start) - start) * t);
      });
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(side, 0);
  header.writeUInt32BE(side, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit depth, truecolour, deflate, adaptive filtering, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('tEXt', Buffer.from(`Comment\0${options.note.replace(/[^\x20-\x7e]/g, '?')}`, 'latin1')),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed) >>> 0);
  return Buffer.concat([length, typed, crc]);
}

function rgbOfHue(hue: number): [number, number, number] {
  const k = (n: number) => (n + hue / 60) % 6;
  const f = (n: number) => Math.round(255 * (0.75 - 0.45 * Math.max(0, Math.min(k(n), 4 - k(n), 1))));
  return [f(5), f(3), f(1)];
}
