import sharp from 'sharp';
import { sniffFormat } from '../../../functions/validation/sniff-format.js';
import { heicStub } from '../../../local/samples/heic-stub.js';

function isoMediaFile(major: string, compatible: string[]): Uint8Array {
  const box = Buffer.alloc(16 + 4 * compatible.length);
  box.writeUInt32BE(box.length, 0);
  box.write('ftyp', 4, 'ascii');
  box.write(major, 8, 'ascii');
  for (const [index, brand] of compatible.entries()) box.write(brand, 16 + 4 * index, 'ascii');
  return Buffer.concat([box, Buffer.alloc(32)]);
}

describe('sniffFormat', () => {
  it.each(['jpeg', 'png', 'webp'] as const)('accepts %s from its magic bytes', async (format) => {
    // Prepare
    const bytes = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } })
      .toFormat(format)
      .toBuffer();

    // Act / Assess
    expect(sniffFormat(bytes)).toEqual({ kind: 'supported', format });
  });

  it.each([
    ['heic', ['mif1', 'heic']],
    ['heix', []],
    ['mif1', ['heic']],
    ['msf1', ['hevc']],
    ['heif', []],
  ])('recognises HEIC/HEIF with major brand %s', (major, compatible) => {
    // Act / Assess
    expect(sniffFormat(isoMediaFile(major, compatible)).kind).toBe('heic');
  });

  it('recognises the sample HEIC file', () => {
    expect(sniffFormat(heicStub())).toEqual({ kind: 'heic', brand: 'heic' });
  });

  it('tells AVIF from HEIC although both declare mif1', () => {
    expect(sniffFormat(isoMediaFile('avif', ['mif1']))).toEqual({ kind: 'unsupported', format: 'AVIF' });
    expect(sniffFormat(isoMediaFile('mif1', ['avif']))).toEqual({ kind: 'unsupported', format: 'AVIF' });
  });

  it.each(['gif', 'tiff'] as const)('names %s as an unsupported format', async (format) => {
    // Prepare
    const bytes = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } })
      .toFormat(format)
      .toBuffer();

    // Act / Assess
    expect(sniffFormat(bytes)).toEqual({ kind: 'unsupported', format: format.toUpperCase() });
  });

  it('names BMP as an unsupported format', () => {
    const bmp = Buffer.concat([Buffer.from('BM', 'ascii'), Buffer.alloc(60)]);
    expect(sniffFormat(bmp)).toEqual({ kind: 'unsupported', format: 'BMP' });
  });

  it.each([
    ['an HTML page named photo.jpg', Buffer.from('<!DOCTYPE html><html></html>')],
    ['an MP4 video', isoMediaFile('isom', ['mp41'])],
    ['a file of 2 bytes', Buffer.from([0xff, 0xd8])],
    ['nothing', Buffer.alloc(0)],
  ])('calls %s not an image', (_name, bytes) => {
    expect(sniffFormat(bytes)).toEqual({ kind: 'not-an-image' });
  });
});
