import { loadSpecs } from '../spec/load.js';
import type { Spec } from '../spec/types.js';
import type { ResolvedTarget } from '../target/definition.js';
import { loadTarget } from '../target/registry.js';
import { BadInputError } from './errors.js';
import { BUNDLED_SPECS } from './package.js';

/**
 * Loading with exceptions instead of diagnostics, for programs that only
 * want specs or a target or a reason why not.
 */

export interface LoadSuiteOptions {
  /** Paths are relative to it; default: the process's working directory. */
  cwd?: string;
  /** Only specs whose id or title matches. */
  grep?: RegExp;
}

/**
 * Every spec in `paths` (files or folders; default: the bundled suite).
 *
 * @throws BadInputError with every problem of every file
 */
export async function loadSuite(paths: string | string[] = [BUNDLED_SPECS], opts: LoadSuiteOptions = {}): Promise<Spec[]> {
  const list = typeof paths === 'string' ? [paths] : paths;
  const { specs, diagnostics } = await loadSpecs(list, { cwd: opts.cwd ?? process.cwd() });
  if (diagnostics.length) throw new BadInputError(diagnostics);
  const grep = opts.grep;
  return grep ? specs.filter((s) => grep.test(s.id) || grep.test(s.title)) : specs;
}

/**
 * A target by bundled id (`reference`) or target file path, checked but not
 * built: `run` builds what it needs when the machine can run.
 *
 * @throws BadInputError
 */
export async function readTarget(name: string, opts: { cwd?: string } = {}): Promise<ResolvedTarget> {
  return checkedTarget(name, opts.cwd ?? process.cwd(), undefined, false);
}

/** A target loaded (and with `build`, its programs built), or BadInputError with its diagnostics. */
export async function checkedTarget(name: string, cwd: string, log: ((line: string) => void) | undefined, build: boolean): Promise<ResolvedTarget> {
  const loaded = await loadTarget(name, cwd, log, build);
  if (loaded.diagnostics.length || !loaded.target) throw new BadInputError(loaded.diagnostics);
  return loaded.target;
}
