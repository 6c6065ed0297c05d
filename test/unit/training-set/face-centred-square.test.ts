import { faceCentredSquare } from '../../../functions/training-set/face-centred-square.js';

describe('faceCentredSquare', () => {
  it('centres a square of 2.6 face sides on the face', () => {
    // Act: a 200 x 200 px face centred at (1000, 900) in a 2000 x 2400 photo
    const square = faceCentredSquare(2000, 2400, {
      left: 0.45,
      top: 800 / 2400,
      width: 0.1,
      height: 200 / 2400,
    });

    // Assess
    expect(square).toEqual({ left: 740, top: 640, size: 520 });
    expect(square.left + square.size / 2).toBe(1000);
    expect(square.top + square.size / 2).toBe(900);
  });

  it('slides the square back inside when the face is near an edge', () => {
    // Act: face in the top-left corner
    const square = faceCentredSquare(1000, 1000, { left: 0, top: 0, width: 0.2, height: 0.2 });

    // Assess
    expect(square).toEqual({ left: 0, top: 0, size: 520 });
  });

  it('never exceeds the shorter side of the image', () => {
    // Act: a face that fills most of a landscape photo
    const square = faceCentredSquare(1200, 800, { left: 0.3, top: 0.1, width: 0.4, height: 0.8 });

    // Assess
    expect(square.size).toBe(800);
    expect(square.top).toBe(0);
    expect(square.left).toBe(200);
  });

  it('stays inside the image for any face box', () => {
    for (const box of [
      { left: 0.9, top: 0.9, width: 0.1, height: 0.1 },
      { left: 0, top: 0.5, width: 0.05, height: 0.5 },
      { left: 0.5, top: 0, width: 0.5, height: 0.01 },
    ]) {
      const square = faceCentredSquare(640, 480, box, 3);
      expect(square.left).toBeGreaterThanOrEqual(0);
      expect(square.top).toBeGreaterThanOrEqual(0);
      expect(square.left + square.size).toBeLessThanOrEqual(640);
      expect(square.top + square.size).toBeLessThanOrEqual(480);
    }
  });
});
