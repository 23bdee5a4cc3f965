// The lock that makes a run folder one run's while it trains: `<folder>/lock`, created atomically (a hard link of a
// whole temp file, so no reader sees it half written) and holding {pid, started, host}. Another run, in another
// process or in this one, is refused with an Error naming the holder before it touches anything; the lock of a
// process that is gone is taken over with a warning. Taking the lock also removes the temp files dead writers left
// in the folder. The lock goes when its run ends, fails, or its process exits; a process killed outright leaves a
// stale one. Readers (eval, predict, encode) take none.
import { linkSync, mkdirSync, openSync, closeSync, readFileSync, realpathSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { processAlive, removeDeadTemps, tempPathFor } from './files.js';

/** The lock's file name in a run folder. */
export const LOCK_FILE = 'lock';

/** A held run folder. */
export interface RunFolderLock {
  /** the folder's real path */
  readonly folder: string;
  /** whether this lock holds `folder` (any path to it) now */
  holds(folder: string): boolean;
  /** gives the folder up; later calls do nothing */
  release(): void;
}

interface LockRecord {
  pid: number;
  started: string;
  host: string;
}

/** Lock file path -> the text this process wrote there, for every lock it holds. */
const heldHere = new Map<string, string>();

/** Tries at creating the lock before giving up: each stale lock removed, or another process's taking it first, costs one. */
const TAKE_TRIES = 5;

/**
 * Makes `folder` (created if missing) this run's until release(), and removes the temp files of dead writers in it.
 * Throws `<folder>: in use by pid N (started T)` while a live process holds it; `onWarning` hears of a stale lock
 * taken over.
 */
export function lockRunFolder(folder: string, onWarning: (message: string) => void): RunFolderLock {
  mkdirSync(folder, { recursive: true });
  const real = realpathSync(folder);
  const path = join(real, LOCK_FILE);
  const mine = `${JSON.stringify({ pid: process.pid, started: new Date().toISOString(), host: hostname() })}\n`;
  const ours = heldHere.get(path);
  if (ours !== undefined) throw inUse(folder, JSON.parse(ours) as LockRecord);
  let taken: string | null = null; // what a stale lock taken over said
  for (let tries = 0; !create(path, mine); tries++) {
    if (tries === TAKE_TRIES) throw new Error(`${folder}: could not take its lock; other processes keep taking it`);
    const theirs = readText(path);
    if (theirs === null) continue; // released between the two calls
    const record = parseRecord(theirs);
    if (record !== null && (record.host !== hostname() || (record.pid !== process.pid && processAlive(record.pid)))) {
      throw inUse(folder, record);
    }
    // its process is gone (a lock of this pid not held here is another process's that had the same pid)
    removeIfStill(path, theirs);
    taken = record === null ? 'an unreadable lock' : `the lock of pid ${record.pid} (started ${record.started}), which is no longer running`;
  }
  heldHere.set(path, mine);
  if (heldHere.size === 1) process.on('exit', releaseAllAtExit);
  if (taken !== null) onWarning(`${folder}: took over ${taken}`);
  removeDeadTemps(real);
  return {
    folder: real,
    holds: (other) => heldHere.get(path) === mine && sameFolder(other, real),
    release: () => {
      if (heldHere.get(path) !== mine) return;
      removeIfStill(path, mine);
      heldHere.delete(path);
      if (heldHere.size === 0) process.off('exit', releaseAllAtExit);
    },
  };
}

/** Runs `work` holding `folder`'s lock, released however `work` ends. */
export async function withRunFolderLock<T>(folder: string, onWarning: (message: string) => void,
  work: (lock: RunFolderLock) => Promise<T>): Promise<T> {
  const lock = lockRunFolder(folder, onWarning);
  try {
    return await work(lock);
  } finally {
    lock.release();
  }
}

function inUse(folder: string, r: LockRecord): Error {
  const where = r.host === hostname() ? '' : ` on ${r.host}`;
  return new Error(`${folder}: in use by pid ${r.pid}${where} (started ${r.started})`);
}

/** Creates the lock file holding `text`, whole; false when one is there. */
function create(path: string, text: string): boolean {
  const temp = tempPathFor(path);
  writeFileSync(temp, text);
  try {
    linkSync(temp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    return createExclusive(path, text); // a file system without hard links
  } finally {
    unlinkSync(temp);
  }
}

function createExclusive(path: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return true;
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** The lock's record, or null when it is not one (an unreadable lock is taken over as stale). */
function parseRecord(text: string): LockRecord | null {
  try {
    const r = JSON.parse(text) as Partial<LockRecord>;
    if (Number.isSafeInteger(r.pid) && typeof r.started === 'string' && typeof r.host === 'string') return r as LockRecord;
  } catch {
    // not JSON
  }
  return null;
}

/**
 * Removes the lock file if it still holds `text`. It is moved aside first and checked there, so that a lock another
 * process has just taken in its place is put back rather than removed.
 */
function removeIfStill(path: string, text: string): void {
  const aside = tempPathFor(`${path}.old`);
  try {
    renameSync(path, aside);
  } catch {
    return; // gone already
  }
  if (readText(aside) !== text) {
    try {
      linkSync(aside, path);
    } catch {
      // a third process holds it now
    }
  }
  unlinkSync(aside);
}

function sameFolder(folder: string, real: string): boolean {
  try {
    return realpathSync(folder) === real;
  } catch {
    return false;
  }
}

/** A process that exits while it holds locks (process.exit after a second Ctrl-C) leaves none behind. */
function releaseAllAtExit(): void {
  for (const [path, text] of heldHere) removeIfStill(path, text);
  heldHere.clear();
}
