/**
 * A photo as the analyzers receive it: decoded once, EXIF-oriented and shrunk. Rekognition needs JPEG bytes,
 * the local stand-in needs pixels; the JPEG is encoded on first request and shared by both analyzers.
 */
export interface AnalysisImage {
  /** sRGB pixels, at most the policy's analysis size on the long side. */
  pixels: { data: Uint8Array; width: number; height: number; channels: 1 | 2 | 3 | 4 };
  /** Standard deviation of the greyscale Laplacian, measured at half the analysis size. */
  sharpness: number;
  /** Mean greyscale level, 0-255. */
  meanBrightness: number;
  /** The pixels as a JPEG under 5 MB: what Rekognition accepts as bytes. */
  jpeg(): Promise<Uint8Array>;
}
