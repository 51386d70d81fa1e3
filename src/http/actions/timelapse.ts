// POST /<name>/timelapse/frame: save one timelapse still now; answers its file name.
import { TimelapseError, timelapseOf } from '../../timelapse/timelapse';
import type { Action, BodyAnswer } from '../actions';

const json = (status: number, value: unknown): BodyAnswer => ({ status, type: 'application/json', body: JSON.stringify(value) + '\n' });

export const TIMELAPSE_ACTIONS: Record<string, Action> = {
  '/timelapse/frame': {
    methods: ['POST'],
    async run({ camera }) {
      const timelapse = timelapseOf(camera);
      if (!timelapse) return json(409, { error: `camera ${camera.name} has no timelapse (set --timelapse-dir)` });
      try {
        return json(200, { file: await timelapse.saveNow() });
      } catch (e) {
        return json(e instanceof TimelapseError ? e.status : 500, { error: (e as Error).message });
      }
    },
  },
};
