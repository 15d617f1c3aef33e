/**
 * Where a bundled C program (the reference programs, the lwIP program) is
 * built. A source checkout builds beside its sources when this user may
 * write there, or finds them already built there. Otherwise (an installed
 * package under node_modules, which may be read-only or shared; a checkout
 * owned by someone else) the build goes to a cache of the user's own, in a
 * folder named after a hash of the sources and the compiler settings, so
 * that versions sharing a cache never mix binaries.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { inStateDir } from '../lab/state.js';

export interface BuildPlace {
  /** Short name of the cache folder, e.g. `reference`. */
  name: string;
  /** The folder beside the sources in a checkout. */
  checkout: string;
  /** The folder the user chose (an environment setting), which wins. */
  chosen?: string | undefined;
  /** Every source file the binaries depend on. */
  sources: readonly string[];
  /** Compiler flags that change the binaries. */
  flags: readonly string[];
  /** The binaries' file names. */
  binaries: readonly string[];
}

/** Where the binaries go, and which of them are missing there or older than a source. */
export interface BuildPlan {
  dir: string;
  stale: string[];
}

export async function planBuild(place: BuildPlace, env: NodeJS.ProcessEnv = process.env): Promise<BuildPlan> {
  const newest = Math.max(...(await Promise.all(place.sources.map(async (f) => (await stat(f)).mtimeMs))));
  const plan = async (dir: string): Promise<BuildPlan> => {
    const stale = [];
    for (const b of place.binaries) if (((await mtimeOf(path.join(dir, b))) ?? -1) < newest) stale.push(b);
    return { dir, stale };
  };
  if (place.chosen) return plan(path.resolve(place.chosen));
  if (!place.checkout.split(path.sep).includes('node_modules')) {
    const checkout = await plan(place.checkout);
    if (checkout.stale.length === 0 || (await mayWrite(place.checkout))) return checkout;
  }
  return plan(path.join(await cacheDir(env), `${place.name}-${await fingerprint(place, env)}`));
}

async function mtimeOf(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).mtimeMs;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** True when this user may create or replace files in `dir` (or create `dir`). */
async function mayWrite(dir: string): Promise<boolean> {
  for (let d = dir; ; d = path.dirname(d)) {
    try {
      await access(d, constants.W_OK | constants.X_OK);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || path.dirname(d) === d) return false;
    }
  }
}

/**
 * `$XDG_CACHE_HOME/tcpconform`, else `~/.cache/tcpconform` when the home
 * folder can hold it, else (users such as `nobody`, whose home does not
 * exist) `cache` in the user's private state folder, where runs without
 * root keep their records.
 */
async function cacheDir(env: NodeJS.ProcessEnv): Promise<string> {
  const xdg = env['XDG_CACHE_HOME']?.trim();
  if (xdg) return path.join(path.resolve(xdg), 'tcpconform');
  const home = os.homedir();
  if (home && (await exists(home)) && (await mayWrite(path.join(home, '.cache')))) return path.join(home, '.cache', 'tcpconform');
  return inStateDir('cache', (dir) => dir);
}

async function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  );
}

async function fingerprint(place: BuildPlace, env: NodeJS.ProcessEnv): Promise<string> {
  const hash = createHash('sha256');
  for (const f of place.sources) hash.update(path.basename(f)).update('\0').update(await readFile(f));
  hash.update(place.flags.join(' ')).update(env['CC'] ?? '');
  return hash.digest('hex').slice(0, 16);
}
