// Camera actions served over HTTP beside the stream and snapshot (pause, controls, timelapse, ...).
// Each feature registers its paths here; the router (routes.ts → answer) applies auth, CORS, HEAD
// and the method check, and every transport writes the returned answer the same way.
import type { Camera } from '../camera';
import { CONTROLS_ACTIONS } from './actions/controls';
import { LIFECYCLE_ACTIONS } from './actions/lifecycle';
import { TIMELAPSE_ACTIONS } from './actions/timelapse';

/** A finished answer that is not a stream: status, headers and a body. */
export interface BodyAnswer {
  status: number;
  /** Content-Type of the body. */
  type: string;
  body: string | Buffer;
  /** Extra response headers (Location, Retry-After, ...). */
  headers?: Record<string, string>;
}

export interface ActionRequest {
  /** The camera the URL names (/<name>/...), or the default camera. */
  camera: Camera;
  /** Upper-case method: GET, POST, ... (HEAD arrives as GET; the transport drops the body). */
  method: string;
  query: URLSearchParams;
  /** The request body (empty for GET); bounded by the transport. */
  body: Buffer;
}

export interface Action {
  /** Methods the path accepts (besides HEAD for GET); others get 405 with Allow. */
  methods: readonly string[];
  run(req: ActionRequest): BodyAnswer | Promise<BodyAnswer>;
}

export function jsonAnswer(value: unknown, status = 200): BodyAnswer {
  return { status, type: 'application/json', body: JSON.stringify(value, null, 2) + '\n' };
}

export function textAnswer(status: number, body: string, headers?: Record<string, string>): BodyAnswer {
  return { status, type: 'text/plain; charset=utf-8', body, headers };
}

/** Path under a camera (e.g. "/pause", "/controls") → its action. Features add their entries here. */
export const ACTIONS: Record<string, Action> = {
  ...LIFECYCLE_ACTIONS,
  ...TIMELAPSE_ACTIONS,
  ...CONTROLS_ACTIONS,
};
