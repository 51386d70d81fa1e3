// Loads the napi-rs addon through its generated loader (native/binding.js, kept apart from this code).
import path from 'node:path';
import type * as Binding from '../../native/binding';

export type NativeCamera = Binding.Camera;
export type NativeCameraOptions = Binding.CameraOptions;
export type NativeSourceInfo = Binding.SourceInfo;
export type NativeCameraStats = Binding.CameraStats;
export type NativeCameraEvent = Binding.CameraEvent;
export type ControlValue = Binding.ControlValue;
export type CaptureErrorKind = Binding.CaptureErrorKind;
// The generated string enums as unions of their values, for code that builds them as plain strings.
export type NativePictureKind = `${Binding.PictureKind}`;
export type NativeEventKind = `${Binding.CameraEventKind}`;

let loaded: typeof Binding | undefined;

/** The addon, loaded once. Throws a message that says how to build it when it is missing. */
export function binding(): typeof Binding {
  if (!loaded) {
    const file = path.join(__dirname, '..', '..', 'native', 'binding.js');
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      loaded = require(file) as typeof Binding;
    } catch (e) {
      throw new Error(`cannot load the mjpgd native addon (${file}): ${(e as Error).message}. Build it with "npm run build".`);
    }
  }
  return loaded;
}

/** The kind of an error the addon threw (its `code`: "not_found", "invalid_argument", ...), if it is one. */
export function errorKindOf(e: unknown): CaptureErrorKind | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code !== '' ? (code as CaptureErrorKind) : undefined;
}

/** An addon error as people read it: "<kind>: <reason>" ("not_found: /dev/video9 does not exist"). */
export function describeError(e: unknown): string {
  const kind = errorKindOf(e);
  const message = (e as Error).message;
  return kind ? `${kind}: ${message}` : message;
}
