// POST /pause and POST /resume (also under /<name>/): release the camera for another program and take
// it back. Viewers stay connected and see the paused picture meanwhile; /state says "paused".
import type { Action, ActionRequest, BodyAnswer } from '../actions';
import { jsonAnswer, textAnswer } from '../actions';

function lifecycle(change: 'pause' | 'resume'): Action {
  return {
    methods: ['POST'],
    run({ camera }: ActionRequest): BodyAnswer {
      if (!camera.controllable) {
        return textAnswer(409, `camera ${camera.name} (${camera.source.info.kind}) has no device to ${change}\n`);
      }
      if (change === 'pause') camera.pause();
      else camera.resume();
      // The supervisor closes or reopens the device on its own thread, within a second.
      return jsonAnswer({ camera: camera.name, requested: change, state: camera.lifecycle }, 202);
    },
  };
}

export const LIFECYCLE_ACTIONS: Record<string, Action> = {
  '/pause': lifecycle('pause'),
  '/resume': lifecycle('resume'),
};
