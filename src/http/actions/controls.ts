// Camera controls over HTTP: GET /controls lists them, POST /controls {"brightness": 120} sets them
// (all or none, saved in --state-dir). Also mjpg-streamer's control API, which Octolapse speaks:
// ?action=command (id=-1 probes; id=<CID>&group=1&value=<v> sets), /input.json (/input_N.json)
// and /program.json, in mjpg-streamer's own JSON shapes (every number a string).
import type { Camera } from '../../camera';
import { ControlError, controlsOf, type ControlInfo } from '../../controls/camera-controls';
import { parseControlValues } from '../../controls/values';
import { COMMAND_ACTION } from '../routes';
import type { Action, BodyAnswer } from '../actions';

const json = (status: number, value: unknown): BodyAnswer => ({ status, type: 'application/json', body: JSON.stringify(value, null, 2) + '\n' });
const text = (status: number, body: string): BodyAnswer => ({ status, type: 'text/plain; charset=utf-8', body: `${body}\n` });

const TYPES: Record<number, string> = { 1: 'integer', 2: 'boolean', 3: 'menu', 4: 'button', 5: 'integer64', 7: 'string', 9: 'integer_menu', 10: 'bitmask' };
/** mjpg-streamer's command group for V4L2 controls (IN_CMD_V4L2). */
const GROUP_V4L2 = '1';

function errorOf(e: unknown): BodyAnswer {
  if (e instanceof ControlError) return json(e.status, { error: e.message });
  throw e;
}

const notADevice = (camera: Camera) => `camera ${camera.name} is not a V4L2 device: it has no controls`;

/** One control as GET /controls shows it. */
function describe(c: ControlInfo) {
  return {
    name: c.name,
    label: c.label,
    id: c.id,
    type: TYPES[c.kind] ?? String(c.kind),
    min: c.minimum,
    max: c.maximum,
    step: c.step,
    default: c.default,
    value: c.value ?? null,
    ...(c.flags & 0x0004 ? { readOnly: true } : {}),
    ...(c.flags & 0x0010 ? { inactive: true } : {}),
    ...(c.menu ? { menu: Object.fromEntries(c.menu.map((m) => [m.value, m.label])) } : {}),
  };
}

/** The body's control values, or the 400 that says what is wrong with it. */
function parseBody(body: Buffer): { values: Record<string, number> } | { answer: BodyAnswer } {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    return { answer: json(400, { error: 'the body must be a JSON object of control values, e.g. {"brightness": 120}' }) };
  }
  try {
    return { values: parseControlValues(doc) };
  } catch (e) {
    return { answer: json(400, { error: (e as Error).message }) };
  }
}

const controlsAction: Action = {
  methods: ['GET', 'POST'],
  run({ camera, method, body }) {
    const controls = controlsOf(camera.source);
    if (!controls) return method === 'GET' ? json(200, { controls: [] }) : json(409, { error: notADevice(camera) });
    try {
      if (method === 'GET') return json(200, { controls: controls.list().map(describe) });
      const parsed = parseBody(body);
      if ('answer' in parsed) return parsed.answer;
      return json(200, { controls: controls.set(parsed.values) });
    } catch (e) {
      return errorOf(e);
    }
  },
};

/** ?action=command: id=-1 is Octolapse's probe; group 1 sets a V4L2 control by its id. */
const commandAction: Action = {
  methods: ['GET'],
  run({ camera, query }) {
    const id = query.get('id');
    if (id === null) return text(400, 'action=command needs id= (a V4L2 control id; -1 to probe)');
    if (id === '-1') return text(200, 'ok');
    const controls = controlsOf(camera.source);
    if (!controls) return text(409, notADevice(camera));
    const group = query.get('group') ?? GROUP_V4L2;
    if (group !== GROUP_V4L2) return text(400, `command group ${group} is not supported (only ${GROUP_V4L2}: V4L2 controls)`);
    const value = query.get('value');
    if (value === null) return text(400, 'action=command needs value=');
    try {
      const values = parseControlValues({ [id]: value });
      const [done] = controls.set(values);
      return text(200, String(done.value));
    } catch (e) {
      if (e instanceof ControlError) return text(e.status, e.message);
      return text(400, (e as Error).message);
    }
  },
};

/** /input.json as mjpg-streamer's output_http writes it: controls (strings throughout) and formats. */
const inputJsonAction: Action = {
  methods: ['GET'],
  run({ camera }) {
    const controls = controlsOf(camera.source);
    let list: ControlInfo[] = [];
    try {
      list = controls?.list() ?? [];
    } catch (e) {
      return errorOf(e);
    }
    const info = camera.source.info;
    return json(200, {
      controls: list.map((c) => ({
        name: c.label,
        id: String(c.id),
        type: String(c.kind),
        min: String(c.minimum),
        max: String(c.maximum),
        step: String(c.step),
        default: String(c.default),
        value: String(c.value ?? c.default),
        dest: '0',
        flags: String(c.flags),
        group: GROUP_V4L2,
        ...(c.menu ? { menu: Object.fromEntries(c.menu.map((m) => [String(m.value), m.label])) } : {}),
      })),
      formats: [
        {
          id: '0',
          name: info.format ?? 'JPEG',
          compressed: 'true',
          emulated: 'false',
          current: 'true',
          resolutions: { '0': `${info.width}x${info.height}` },
          currentResolution: '0',
        },
      ],
    });
  },
};

const programJsonAction: Action = {
  methods: ['GET'],
  run({ camera }) {
    const info = camera.source.info;
    return json(200, {
      inputs: [{ id: '0', name: camera.name, plugin: info.kind === 'v4l2' ? 'input_uvc.so' : `input_${info.kind}`, args: info.device ? `-d ${info.device}` : '' }],
      outputs: [{ id: '0', name: 'HTTP output plugin', plugin: 'output_http.so', args: '' }],
    });
  },
};

export const CONTROLS_ACTIONS: Record<string, Action> = {
  '/controls': controlsAction,
  [COMMAND_ACTION]: commandAction,
  '/input.json': inputJsonAction,
  '/program.json': programJsonAction,
};
