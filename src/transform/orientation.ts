// Rotate and flip as users ask for them (--rotate 90 --flip h; ?rotate=90&flip=h) → one of the eight
// lossless JPEG orientations TurboJPEG applies in the DCT domain. Rotation first, then the flip.

export type Orientation = 'none' | 'rotate90' | 'rotate180' | 'rotate270' | 'fliph' | 'flipv' | 'transpose' | 'transverse';

const ROTATIONS = [0, 90, 180, 270] as const;
const FLIPS = ['none', 'h', 'v'] as const;
export type Rotation = (typeof ROTATIONS)[number];
export type Flip = (typeof FLIPS)[number];

// Turning clockwise by the rotation, then mirroring left-right (h) or top-bottom (v).
const TABLE: Record<Rotation, Record<Flip, Orientation>> = {
  0: { none: 'none', h: 'fliph', v: 'flipv' },
  90: { none: 'rotate90', h: 'transpose', v: 'transverse' },
  180: { none: 'rotate180', h: 'flipv', v: 'fliph' },
  270: { none: 'rotate270', h: 'transverse', v: 'transpose' },
};

export function orientation(rotate: Rotation, flip: Flip): Orientation {
  return TABLE[rotate][flip];
}

export function isRotation(n: unknown): n is Rotation {
  return ROTATIONS.includes(n as Rotation);
}

/** The orientation a request asks for (?rotate=0|90|180|270, ?flip=h|v|none), or an error
 * message naming the parameter. null rotate and flip: none. */
export function orientationOf(query: URLSearchParams): Orientation | { error: string } {
  const r = query.get('rotate');
  const f = query.get('flip');
  const rotate = r === null || r === '' ? 0 : Number(r);
  if (!isRotation(rotate)) return { error: `rotate must be 0, 90, 180 or 270 (got ${JSON.stringify(r)})` };
  const flip = f === null || f === '' ? 'none' : f.toLowerCase();
  if (!FLIPS.includes(flip as Flip)) return { error: `flip must be h, v or none (got ${JSON.stringify(f)})` };
  return orientation(rotate, flip as Flip);
}
