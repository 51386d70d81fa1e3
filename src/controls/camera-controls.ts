// One V4L2 camera's controls: what the camera should have (config values, then values set over
// HTTP and saved), listing and setting them on the device, and telling the capture side the values
// it re-applies after every open and stream-on.
import { ConfigError } from '../config/config';
import { binding, describeError, errorKindOf } from '../native/binding';
import type * as Binding from '../../native/binding';
import type { ControlStore } from './store';
import { controlKey, mergeControlValues } from './values';

export type ControlInfo = Binding.Control;
export type ControlValue = Binding.ControlValue;

/** A request the controls can't satisfy: its HTTP status and a message naming the control. */
export class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The addon's error as a ControlError: its HTTP status by the error's kind (its `code`). */
function controlError(e: unknown): ControlError {
  const kind = errorKindOf(e);
  const status = kind === 'invalid_argument' ? 400 : kind === 'not_found' || kind === 'device_gone' || kind === 'busy' || kind === 'timeout' ? 503 : 500;
  return new ControlError(status, describeError(e));
}

export class CameraControls {
  private saved: Record<string, number>;
  private readonly listeners: ((values: ControlValue[]) => void)[] = [];

  constructor(
    readonly camera: string,
    readonly device: string,
    private readonly configured: Record<string, number>,
    private readonly store: ControlStore | null,
  ) {
    try {
      this.saved = store?.load() ?? {};
    } catch (e) {
      throw new ConfigError(`camera ${camera}: ${(e as Error).message}`);
    }
  }

  /** What every open applies after stream-on, in order: the config's values, then those set over HTTP. */
  desired(): ControlValue[] {
    return Object.entries(mergeControlValues(this.configured, this.saved)).map(([name, value]) => ({ name, value }));
  }

  /** Called with the new desired values whenever a set changes them (the capture side keeps them). */
  onChange(fn: (values: ControlValue[]) => void): void {
    this.listeners.push(fn);
  }

  list(): ControlInfo[] {
    try {
      return binding().listControls(this.device);
    } catch (e) {
      throw controlError(e);
    }
  }

  /** Sets all of `values` or none (the addon checks names and ranges first), saves them, and
   * answers each control with the value the driver kept. */
  set(values: Record<string, number>): Binding.ControlSet[] {
    const entries = Object.entries(values).map(([name, value]) => ({ name, value }));
    if (entries.length === 0) throw new ControlError(400, 'no controls given: send a JSON object such as {"brightness": 120}');
    let done: Binding.ControlSet[];
    try {
      done = binding().setControls(this.device, entries);
    } catch (e) {
      throw controlError(e);
    }
    // Saved by v4l2-ctl name, whatever spelling or id was asked for, so one control is one entry.
    const ids = new Set(done.map((c) => String(c.id)));
    const kept = Object.fromEntries(Object.entries(this.saved).filter(([name]) => !ids.has(idOf(name))));
    this.saved = mergeControlValues(kept, Object.fromEntries(done.map((c) => [c.name, c.value])));
    for (const fn of this.listeners) fn(this.desired());
    if (this.store) {
      try {
        this.store.save(this.saved);
      } catch (e) {
        throw new ControlError(500, `set on ${this.device}, but not saved to ${this.store.file} (${(e as Error).message}): a restart will lose them`);
      }
    }
    return done;
  }

  /** The saved value of a control, if any (for tests and /state). */
  savedValue(name: string): number | undefined {
    const key = controlKey(name);
    const hit = Object.entries(this.saved).find(([n]) => controlKey(n) === key);
    return hit?.[1];
  }
}

/** "9963776" and "0x00980900" → "9963776"; a name stays as it is. */
function idOf(name: string): string {
  return /^(0x[0-9a-f]+|\d+)$/i.test(name) ? String(Number(name)) : name;
}

const bySource = new WeakMap<object, CameraControls>();

/** Links a camera's source to its controls (set up where the source is opened). */
export function attachControls(source: object, controls: CameraControls): void {
  bySource.set(source, controls);
}

/** The controls of a camera's source; undefined when it is not a V4L2 device. */
export function controlsOf(source: object): CameraControls | undefined {
  return bySource.get(source);
}
