/**
 * The start of an iPhone HEIC file: an ISO-BMFF `ftyp` box with major brand `heic` (compatible `mif1`,
 * `heic`), then a `meta` box header and filler. Enough for format sniffing, which is all it is for.
 */
export function heicStub(): Buffer {
  const ftyp = Buffer.alloc(24);
  ftyp.writeUInt32BE(24, 0);
  ftyp.write('ftyp', 4, 'ascii');
  ftyp.write('heic', 8, 'ascii');
  ftyp.writeUInt32BE(0, 12); // minor version
  ftyp.write('mif1', 16, 'ascii');
  ftyp.write('heic', 20, 'ascii');
  const meta = Buffer.alloc(64);
  meta.writeUInt32BE(64, 0);
  meta.write('meta', 4, 'ascii');
  for (let index = 8; index < meta.length; index++) meta[index] = (index * 37) & 0xff;
  return Buffer.concat([ftyp, meta]);
}
