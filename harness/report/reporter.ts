import type { RunResult, SpecResult } from '../run/results.js';

/**
 * What every reporter implements (in the manner of Playwright Test's
 * reporters). Every hook is optional; a hook may be async, and the run awaits
 * it through the multiplexer, which also shields the run from a reporter
 * that throws. Reporters only read results: they never reach into labs,
 * targets or processes.
 */

export interface RunInfo {
  /** Run id; also the name of the run folder. */
  run: string;
  /** The run folder, where reporters write their files. */
  outDir: string;
  /** Number of specs to run. */
  total: number;
  /** Specs run in parallel. */
  jobs: number;
  /** ISO 8601 time the run started. */
  startedAt: string;
  /** The targets under test, when the run names them (several: a differential run). */
  targets?: string[];
}

export interface SpecInfo {
  id: string;
  title: string;
  /** Spec file, relative to the working directory. */
  file: string;
  /** Position in the run, from 0. */
  index: number;
  total: number;
}

export interface Progress {
  /** Specs finished so far, this one included. */
  done: number;
  total: number;
}

export interface Reporter {
  /** Short name, used in warnings about the reporter itself. */
  name: string;
  onBegin?(run: RunInfo): void | Promise<void>;
  onSpecBegin?(spec: SpecInfo): void | Promise<void>;
  /** Called as each spec finishes; with parallel jobs that is not spec order. */
  onSpecEnd?(result: SpecResult, progress: Progress): void | Promise<void>;
  /** Called once, with the results in spec order. */
  onEnd?(run: RunResult): void | Promise<void>;
}
