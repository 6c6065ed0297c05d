/**
 * What a file really is, from its first bytes. Names lie: an iPhone export called IMG_0001.jpg is often
 * HEIC, and "photo.jpg" may be a saved web page.
 */
export type SniffedFormat =
  | { kind: 'supported'; format: 'jpeg' | 'png' | 'webp' }
  | { kind: 'heic'; brand: string }
  | { kind: 'unsupported'; format: string }
  | { kind: 'not-an-image' };

/** ISO-BMFF brands of HEIC/HEIF still images and sequences. */
const HEIF_BRANDS = new Set([
  'heic',
  'heix',
  'hevc',
  'hevx',
  'heim',
  'heis',
  'hevm',
  'hevs',
  'mif1',
  'msf1',
  'heif',
]);
const AVIF_BRANDS = new Set(['avif', 'avis']);

export function sniffFormat(bytes: Uint8Array): SniffedFormat {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return { kind: 'supported', format: 'jpeg' };
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) {
    return { kind: 'supported', format: 'png' };
  }
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP')
    return { kind: 'supported', format: 'webp' };
  if (ascii(bytes, 4, 8) === 'ftyp') return sniffIsoMediaFile(bytes);
  if (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a')
    return { kind: 'unsupported', format: 'GIF' };
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) {
    return { kind: 'unsupported', format: 'TIFF' };
  }
  if (ascii(bytes, 0, 2) === 'BM' && bytes.length >= 26) return { kind: 'unsupported', format: 'BMP' };
  if (startsWith(bytes, [0xff, 0x0a]) || ascii(bytes, 4, 8) === 'JXL ') {
    return { kind: 'unsupported', format: 'JPEG XL' };
  }
  return { kind: 'not-an-image' };
}

/** HEIC and AVIF share the container; the brands in the `ftyp` box tell them apart. */
function sniffIsoMediaFile(bytes: Uint8Array): SniffedFormat {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const boxSize = bytes.length >= 4 ? view.getUint32(0) : 0;
  const end = Math.min(bytes.length, Math.max(boxSize, 16));
  const major = ascii(bytes, 8, 12);
  const brands = [major];
  for (let offset = 16; offset + 4 <= end; offset += 4) brands.push(ascii(bytes, offset, offset + 4));
  // An AVIF declares mif1 too, so AVIF is decided first.
  if (AVIF_BRANDS.has(major) || (major === 'mif1' && brands.some((brand) => AVIF_BRANDS.has(brand)))) {
    return { kind: 'unsupported', format: 'AVIF' };
  }
  const heif = brands.find((brand) => HEIF_BRANDS.has(brand));
  if (heif) return { kind: 'heic', brand: heif };
  return { kind: 'not-an-image' };
}

function startsWith(bytes: Uint8Array, signature: number[]): boolean {
  return bytes.length >= signature.length && signature.every((byte, index) => bytes[index] === byte);
}

function ascii(bytes: Uint8Array, start: number, end: number): string {
  if (bytes.length < end) return '';
  return String.fromCharCode(...bytes.subarray(start, end));
}
