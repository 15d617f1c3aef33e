import fs from 'node:fs';
import path from 'node:path';
import { ensureUserStateDir, isHostRoot, stateDir } from './privilege.js';

/**
 * The state folder's life: made when a run writes its record or a block
 * lock, removed again by the last run to end, so that nothing of the
 * harness stays on the machine between runs (a cache of built programs,
 * when there is one, keeps a user's folder).
 */

/**
 * Where runs record what they hold: run records, address-block locks and
 * their owners. /run/tcpconform for root; a private folder of the user's
 * own without root (privilege.ts).
 */
export const STATE_DIR = stateDir();

/** Run records, address-block locks, and (for a user without a home) built programs. */
export type StateSubdir = 'runs' | 'blocks' | 'cache';

/** `<state>/runs`, `<state>/blocks` or `<state>/cache`. */
export function subdirOf(sub: StateSubdir, stateDir = STATE_DIR): string {
  return path.join(stateDir, sub);
}

/** Makes `<state>/<sub>`; a user's state folder (in the shared temporary folder) is checked to be private first. */
function makeSubdir(sub: StateSubdir, stateDir: string): string {
  if (!isHostRoot()) ensureUserStateDir(stateDir);
  const dir = subdirOf(sub, stateDir);
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  return dir;
}

/**
 * Runs `write` with the subfolder made. A run ending at the same moment may
 * remove the folder between its making and the write; the write then fails
 * with ENOENT and is tried again.
 */
export function inStateDir<T>(sub: StateSubdir, write: (dir: string) => T, stateDir = STATE_DIR): T {
  for (let attempt = 1; ; attempt++) {
    const dir = makeSubdir(sub, stateDir);
    try {
      return write(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 5) throw err;
    }
  }
}

/**
 * Removes the state folders that are empty: runs/ first, and nothing more
 * while it holds a record, since that run tidies when it ends (so a run
 * releasing its labs does not remove blocks/ under its other labs). rmdir(2)
 * refuses a folder that holds anything, so another run's record or lock is
 * never touched, whatever it is doing at the time.
 */
export function tidyStateDir(stateDir = STATE_DIR): void {
  for (const dir of [subdirOf('runs', stateDir), subdirOf('blocks', stateDir), stateDir]) {
    try {
      fs.rmdirSync(dir);
    } catch (err) {
      // Gone already: go on. Not empty (a run, a lock, a cache): what is outside it cannot be empty either.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return;
    }
  }
}
