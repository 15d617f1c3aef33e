import path from 'node:path';
import { preflight, ROOTLESS_NOTICE } from '../lab/preflight.js';
import { prepareRootlessMounts } from '../lab/privilege.js';
import { newRunId } from '../lab/names.js';
import { reapAtStart } from '../lab/reaper.js';
import { ReporterMultiplexer } from '../report/multiplexer.js';
import type { Reporter } from '../report/reporter.js';
import type { Timeouts } from '../run/executor.js';
import type { CustomFaultRule, Observer } from '../run/plugins.js';
import type { RunResult } from '../run/results.js';
import { runSuite, type Subject } from '../run/suite.js';
import { fileDiagnostic, type Diagnostic } from '../spec/diagnostic.js';
import type { Spec } from '../spec/types.js';
import { userspaceIpProblem, type ResolvedTarget } from '../target/definition.js';
import { MissingToolError } from '../target/reference-build.js';
import { checkedTarget } from './load.js';
import { BadInputError, CannotRunError, NeedsUserNamespaceError } from './errors.js';
import { packageVersion } from './package.js';

/**
 * Running specs from a program: the same sequence as `tcpconform run`
 * (bad input first, then the machine, then the run), with failures as
 * exceptions: `BadInputError` (exit 2 in the CLI), `CannotRunError` (exit 3).
 */

export interface RunOptions {
  /** Specs to run (from `loadSpecs`). */
  specs: Spec[];
  /**
   * A bundled target's id (`reference`), a target file's path, or a target
   * loaded with `loadTarget` (default: the reference). An endpoint whose
   * role it lacks is filled by the reference.
   */
  target?: string | ResolvedTarget;
  /** Several targets instead of `target`: every spec runs against each (a differential run; `result.matrix`). */
  targets?: (string | ResolvedTarget)[];
  /** Paths are relative to it; default: the process's working directory. */
  cwd?: string;
  /** The run folder (results, pcaps, reports); default: `reports/<stamp>-<run id>` below `cwd`. */
  outDir?: string;
  /** Six hex digits; default: a new one. */
  runId?: string;
  /** Receive the results as specs finish; none by default. */
  reporters?: Reporter[];
  /** Specs run at once (default 8). */
  jobs?: number;
  /** IP version(s) each spec runs over (default 4). */
  ip?: 4 | 6 | 'both';
  /** `short` (default): protocol timers shortened inside the labs; `real`: the kernel's. */
  timers?: 'short' | 'real';
  /** Aborting it stops the run; everything it created is removed before `run` returns. */
  signal?: AbortSignal;
  /** Wire rules written as functions, applied in every spec they select. */
  faults?: CustomFaultRule[];
  /** Observers of each spec's lab. */
  observers?: Observer[];
  /** Warnings (a reporter, observer or rule that threw); default: standard error. */
  warn?: (line: string) => void;
  /** Progress lines, e.g. building the reference programs; default: silent. */
  log?: (line: string) => void;
  /** Limits for target readiness, control replies and awaits (defaults as documented in README). */
  timeouts?: Timeouts;
  /** Tool version recorded in the results; default: this package's. */
  version?: string;
}

export interface RunOutcome {
  /** What `results.json` holds. */
  result: RunResult;
  /** The run folder. */
  outDir: string;
  /** The signal was aborted: the results are partial. */
  interrupted: boolean;
  /** No spec failed or errored (what exit status 0 means in the CLI). */
  ok: boolean;
}

/** A run's id and the name of its folder (`<UTC stamp>-<run id>`). */
export function newRunFolder(): { runId: string; name: string } {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const runId = newRunId();
  return { runId, name: `${stamp}-${runId}` };
}

/** Endpoints of the specs that need a role the target lacks, reported at the target file's roles (a run fills them with the reference). */
export function missingRoles(specs: Spec[], target: ResolvedTarget): Diagnostic[] {
  return specs.flatMap((s) =>
    Object.entries(s.endpoints)
      .filter(([, e]) => !e.peer && !target.roles.includes(e.role))
      .map(([name, e]) => {
        const message = `${s.id}: endpoint ${name} needs a ${e.role}, and target ${target.id} has no such role (it has: ${target.roles.join(', ')})`;
        return target.at?.roles('missing-role', message) ?? fileDiagnostic(target.file, 'missing-role', message);
      }),
  );
}

/**
 * Checks the targets (bad input first), then the machine, then readies the
 * targets (building the reference programs if they use them). Each target
 * becomes a subject of the run: the specs run against each, and an endpoint
 * whose role a target lacks is filled by the bundled reference.
 *
 * @throws BadInputError, CannotRunError
 */
export async function prepareTargets(
  specs: Spec[],
  targets: (string | ResolvedTarget)[],
  opts: { cwd?: string; log?: (line: string) => void; ip?: 4 | 6 | 'both' } = {},
): Promise<{ subjects: Subject[]; tracepoint: boolean }> {
  const cwd = opts.cwd ?? process.cwd();
  const declared: ResolvedTarget[] = [];
  for (const t of targets) declared.push(typeof t === 'string' ? await checkedTarget(t, cwd, undefined, false) : t);
  const ids = declared.map((t) => t.id);
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice !== undefined) throw new BadInputError([fileDiagnostic(cwd, 'duplicate-target', `target ${twice} is given twice`)]);
  for (const t of declared) {
    const problem = userspaceIpProblem(t, opts.ip ?? 4, 'run it with --ip 4');
    if (problem) throw new BadInputError([problem]);
  }

  const { tracepoint } = await enterLabMode(opts.log);
  try {
    const resolved: ResolvedTarget[] = [];
    for (const [i, t] of targets.entries()) resolved.push(typeof t === 'string' ? await checkedTarget(t, cwd, opts.log, true) : declared[i]!);
    // Roles a target lacks are filled by the reference programs (a server's client, say).
    const needsFallback = resolved.some((t) => missingRoles(specs, t).length > 0);
    const fallback = needsFallback ? (resolved.find((t) => t.id === 'reference') ?? (await checkedTarget('reference', cwd, opts.log, true))) : undefined;
    const subjects: Subject[] = resolved.map((t) => ({
      id: t.id,
      roles: t.roles,
      targetsFor: (spec) => Object.fromEntries(Object.entries(spec.endpoints).map(([n, e]) => [n, t.roles.includes(e.role) || !fallback ? t : fallback])),
    }));
    return { subjects, tracepoint };
  } catch (err) {
    if (err instanceof MissingToolError) throw new CannotRunError([{ what: err.message }]);
    throw err;
  }
}

/**
 * The machine check every run that builds labs makes first, and the set-up a
 * run without root needs inside its user namespace (a private /run/netns);
 * then what dead runs left is removed (`reapAtStart`). Says whether the
 * kernel tracepoint can observe the labs.
 *
 * @throws CannotRunError (NeedsUserNamespaceError outside that namespace)
 */
export async function enterLabMode(log?: (line: string) => void): Promise<{ tracepoint: boolean }> {
  const { mode, problems } = await preflight();
  if (problems.length) throw new CannotRunError(problems);
  if (mode === 'rootless-outside') throw new NeedsUserNamespaceError();
  if (mode === 'rootless') {
    try {
      await prepareRootlessMounts();
    } catch (err) {
      throw new CannotRunError([
        { what: `a private /run/netns for the labs could not be mounted: ${(err as Error).message}`, fix: 'run as root, e.g. `sudo npx tcpconform run`' },
      ]);
    }
    log?.(ROOTLESS_NOTICE);
  }
  await reapAtStart(log ?? (() => {}));
  return { tracepoint: mode === 'root' };
}

/**
 * Runs the specs against the target and returns the results.
 *
 * @throws BadInputError when there is nothing to run or the target is unusable
 * @throws CannotRunError when the machine cannot run labs (e.g. not root)
 */
export async function run(opts: RunOptions): Promise<RunOutcome> {
  const cwd = opts.cwd ?? process.cwd();
  if (opts.specs.length === 0) throw new BadInputError([fileDiagnostic(cwd, 'no-specs', 'no specs to run')]);
  const ip = opts.ip ?? 4;
  const { subjects, tracepoint } = await prepareTargets(opts.specs, opts.targets ?? [opts.target ?? 'reference'], { cwd, ip, ...(opts.log ? { log: opts.log } : {}) });
  const folder = newRunFolder();
  const runId = opts.runId ?? folder.runId;
  const outDir = path.resolve(cwd, opts.outDir ?? path.join('reports', folder.name));
  const warn = opts.warn ?? ((line: string) => void process.stderr.write(`warning: ${line}\n`));
  const signal = opts.signal ?? new AbortController().signal;
  const result = await runSuite({
    run: runId,
    specs: opts.specs,
    subjects,
    jobs: opts.jobs ?? DEFAULT_JOBS,
    outDir,
    reporter: new ReporterMultiplexer(opts.reporters ?? [], warn),
    signal,
    cwd,
    version: opts.version ?? packageVersion(),
    timers: opts.timers ?? 'short',
    families: ip === 'both' ? [4, 6] : [ip],
    tracepoint,
    ...(opts.timeouts ? { timeouts: opts.timeouts } : {}),
    ...(opts.faults ? { faults: opts.faults } : {}),
    ...(opts.observers ? { observers: opts.observers } : {}),
    warn,
  });
  const ok = !result.results.some((r) => r.verdict === 'fail' || r.verdict === 'error');
  return { result, outDir, interrupted: signal.aborted, ok };
}

/** Specs mostly wait on the network and on timers, so more jobs than cores pays off. */
export const DEFAULT_JOBS = 8;
