// Crash-safe file writing for runs: whole files are written to `<name>.tmp-<pid>` in the same folder, fsynced and
// renamed over the target (so a reader sees the old file or the new one, never half of one), and metrics lines are
// appended with one write each, so a crash loses at most the line being written. A temp file a crash leaves is
// removed by the next writer of the same file, or by the next run that opens the folder (removeDeadTemps).
import {
  closeSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync, renameSync, unlinkSync, writeSync, copyFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Writes every byte of `data` to an open file descriptor (writeSync may write less than asked). */
function writeAll(fd: number, data: Uint8Array): void {
  let done = 0;
  while (done < data.byteLength) done += writeSync(fd, data, done, data.byteLength - done);
}

/** fsync of a folder, so a rename inside it is on disk; some file systems refuse it, which is harmless here. */
function syncFolder(folder: string): void {
  let fd = -1;
  try {
    fd = openSync(folder, 'r');
    fsyncSync(fd);
  } catch {
    // not supported (e.g. some network or Windows file systems): the rename is still atomic
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/** The temporary name this process writes `path` under. */
export function tempPathFor(path: string): string {
  return `${path}.tmp-${process.pid}`;
}

/** Whether a process id is alive on this machine (a temp file or a lock of a live process is never taken). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** `<name>.tmp-<pid>`: what tempPathFor makes of `<name>`. */
const TEMP_NAME = /^(.+)\.tmp-(\d+)$/;

/**
 * Removes the `<name>.tmp-<pid>` files in `folder` of processes that died while writing them: those of the file
 * `only` names, or of any file (a metrics rewrite, a picture, a checkpoint).
 */
export function removeDeadTemps(folder: string, only?: string): void {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return;
  }
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (m === null || (only !== undefined && m[1] !== only)) continue;
    const pid = Number(m[2]);
    if (pid === process.pid || processAlive(pid)) continue;
    try {
      unlinkSync(join(folder, name));
    } catch {
      // another process removed it first, or it is a folder: nothing of ours
    }
  }
}

/** Removes `<name>.tmp-<pid>` files left in the folder by processes that died while writing `path`. */
export function removeStaleTemps(path: string): void {
  removeDeadTemps(dirname(path), basename(path));
}

/**
 * Writes `pieces` one after another into `path` atomically: temp file in the same folder, fsync, rename over.
 * On any failure the temp file is removed and `path` is left as it was.
 */
export function writeFileAtomic(path: string, pieces: Uint8Array | readonly Uint8Array[]): void {
  const list = pieces instanceof Uint8Array ? [pieces] : pieces;
  mkdirSync(dirname(path), { recursive: true });
  const temp = tempPathFor(path);
  let fd = -1;
  try {
    fd = openSync(temp, 'w', 0o644);
    for (const piece of list) writeAll(fd, piece);
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    renameSync(temp, path);
  } catch (e) {
    if (fd >= 0) closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {
      // never created
    }
    throw new Error(`${path}: could not be written (${(e as Error).message})`);
  }
  syncFolder(dirname(path));
}

/**
 * Makes `copy` a whole copy of `path` (a hard link where the file system allows, else a byte copy), itself
 * replaced atomically, so the previous checkpoint survives the next one being renamed over `path`.
 */
export function preserveCopy(path: string, copy: string): void {
  const temp = tempPathFor(copy);
  try {
    unlinkSync(temp);
  } catch {
    // no leftover
  }
  try {
    linkSync(path, temp);
  } catch {
    copyFileSync(path, temp);
  }
  renameSync(temp, copy);
}

/** An append-only JSON-lines file: each record is one write of one line, reaching the OS before append returns. */
export class JsonLines {
  private fd: number;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'a', 0o644);
  }

  append(record: Record<string, unknown>): void {
    if (this.fd < 0) throw new Error(`${this.path}: already closed`);
    writeAll(this.fd, Buffer.from(`${JSON.stringify(record)}\n`, 'utf8'));
  }

  /** Pushes written lines to the disk (called at epoch ends; the OS already holds every line). */
  sync(): void {
    if (this.fd >= 0) fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd < 0) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = -1;
  }
}
