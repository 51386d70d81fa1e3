// Control values set over HTTP, remembered across restarts: one small JSON file per camera in
// --state-dir, replaced atomically (written beside it, then renamed) so a power cut leaves either
// the old file or the new one, never half of one.
import fs from 'node:fs';
import path from 'node:path';
import { parseControlValues } from './values';

export class ControlStore {
  readonly file: string;

  constructor(dir: string, camera: string) {
    this.file = path.join(dir, `controls-${camera}.json`);
  }

  /** The saved values; {} when none were saved. A file that doesn't parse is an error naming it. */
  load(): Record<string, number> {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new Error(`cannot read ${this.file}: ${(e as Error).message}`);
    }
    try {
      return parseControlValues(JSON.parse(text));
    } catch (e) {
      throw new Error(`${this.file} is not a table of control values (${(e as Error).message}); fix or delete it`);
    }
  }

  save(values: Record<string, number>): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    const fd = fs.openSync(tmp, 'w', 0o644);
    try {
      fs.writeSync(fd, JSON.stringify(values, null, 2) + '\n');
      // On disk before the rename makes it the file: else a crash could leave an empty one.
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.file);
  }
}
