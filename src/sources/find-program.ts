// Where an exec camera's program is: found at start-up, so a typo is a clear error (exit 2) rather
// than a camera that is offline forever.
import fs from 'node:fs';
import path from 'node:path';

/** The executable `name` resolves to (through PATH unless it contains a slash), or null. */
export function findProgram(name: string, searchPath = process.env.PATH ?? ''): string | null {
  const candidates = name.includes('/') ? [name] : searchPath.split(':').filter((d) => d !== '').map((d) => path.join(d, name));
  for (const file of candidates) {
    try {
      if (fs.statSync(file).isFile()) {
        fs.accessSync(file, fs.constants.X_OK);
        return file;
      }
    } catch {
      // Not here (or not executable): try the next directory, as execvp does.
    }
  }
  return null;
}
