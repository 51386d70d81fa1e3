// Writes a file so that readers (and a crash) see either nothing or the whole file: the bytes go to a
// hidden temporary file in the same folder, are flushed to the disk, and only then take the final name.
// Asynchronous: an fsync on an SD card can take long, and the event loop is every viewer's.
import fsp from 'node:fs/promises';
import path from 'node:path';

export interface AtomicWriteHooks {
  /** Runs after the data is on disk and before the rename: the test seam for "crash mid-write". */
  beforeRename?: () => void;
}

/** The temporary name for `name`: hidden (leading dot), with a suffix no reader takes for a still. */
export function tempNameFor(name: string): string {
  return `.${name}.${process.pid}.tmp`;
}

export function isTempName(file: string): boolean {
  return file.startsWith('.') && file.endsWith('.tmp');
}

export async function writeFileAtomic(dir: string, name: string, data: Buffer, hooks: AtomicWriteHooks = {}): Promise<void> {
  const temp = path.join(dir, tempNameFor(name));
  const file = await fsp.open(temp, 'w', 0o644);
  try {
    await file.writeFile(data);
    // Without this, a power cut after the rename can leave the final name on an empty file.
    await file.sync();
  } catch (e) {
    await file.close();
    await fsp.rm(temp, { force: true });
    throw e;
  }
  await file.close();
  hooks.beforeRename?.();
  await fsp.rename(temp, path.join(dir, name));
  // The rename itself is made durable by syncing the folder.
  const folder = await fsp.open(dir, 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}
