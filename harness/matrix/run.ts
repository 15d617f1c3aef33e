import os from 'node:os';
import { cells as allCells, type Profile, type SegmentKind } from '../model/reaction.js';
import type { State } from '../model/states.js';
import type { Reporter } from '../report/reporter.js';
import { countVerdicts } from '../report/format.js';
import { DEFAULT_TIMEOUTS } from '../run/executor.js';
import { runSuite } from '../run/suite.js';
import type { ResolvedTarget } from '../target/definition.js';
import { cellSpec, makeCell, QUIET_MS, QUIET_USERSPACE_MS, type Cell } from './cell.js';
import { judgeCell } from './judge.js';
import { TARGET } from './prefix.js';
import type { MatrixCell, MatrixResult } from './schema.js';

/**
 * Runs the grid: one spec per cell through the suite's scheduler (a lab
 * each, `jobs` at a time), then each cell judged against the oracle. Cells
 * whose prefix needs a role the target lacks are not applicable and start
 * nothing.
 */

export interface MatrixOptions {
  run: string;
  target: ResolvedTarget;
  profile: Profile;
  states: readonly State[];
  kinds: readonly SegmentKind[];
  jobs: number;
  /** IP version the cells run over. */
  family: 4 | 6;
  /** Whether the kernel tracepoint observes the labs (false without root). */
  tracepoint?: boolean;
  outDir: string;
  signal: AbortSignal;
  cwd: string;
  version: string;
  /** Told as each cell's spec finishes (progress). */
  onCell?: (done: number, total: number) => void;
}

/**
 * How long a cell waits for the target to reach the states the oracle
 * expects after its reaction (a wrong reaction would otherwise cost the
 * executor's default of 3 s per cell).
 */
export const MATRIX_SETTLE_MS = 1000;

export async function runMatrix(o: MatrixOptions): Promise<MatrixResult> {
  const startedAt = new Date();
  const t0 = performance.now();
  const cells: Cell[] = allCells(o.states, o.kinds).map((c) => makeCell(c.state, c.kind, c.position, o.profile));
  const runnable = cells.filter((c) => o.target.roles.includes(c.prefix.role));
  const progress: Reporter = { name: 'matrix', onSpecEnd: (_r, p) => o.onCell?.(p.done, p.total) };
  const run = runnable.length
    ? await runSuite({
        run: o.run,
        specs: runnable.map((c) => cellSpec(c, o.target.stack === 'userspace' ? QUIET_USERSPACE_MS : QUIET_MS)),
        targetsFor: () => ({ [TARGET]: o.target }),
        jobs: o.jobs,
        outDir: o.outDir,
        reporter: progress,
        signal: o.signal,
        cwd: o.cwd,
        version: o.version,
        timeouts: { ...DEFAULT_TIMEOUTS, settleMs: MATRIX_SETTLE_MS },
        timers: 'short',
        families: [o.family],
        tracepoint: o.tracepoint,
      })
    : undefined;
  const byId = new Map((run?.results ?? []).map((r) => [r.spec, r]));
  const judged: MatrixCell[] = [];
  for (const cell of cells) {
    const r = byId.get(cell.id);
    if (r) judged.push(judgeCell(cell, r, o.target.deviations ?? []));
    else if (!o.target.roles.includes(cell.prefix.role))
      judged.push({
        id: cell.id,
        state: cell.state,
        kind: cell.kind,
        position: cell.position,
        verdict: 'not-applicable',
        reason: `reaching ${cell.state} needs the target as a ${cell.prefix.role}, and target ${o.target.id} has no such role`,
        expected: { send: [], states: cell.reaction.path, app: cell.reaction.app, rule: cell.reaction.rule, cites: cell.reaction.cites.map((c) => ({ ...c })) },
        durationMs: 0,
      });
  }
  const totals = Object.fromEntries(countVerdicts(judged));
  return {
    tool: { name: 'tcpconform', version: o.version },
    kind: 'matrix',
    run: o.run,
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - t0),
    target: { id: o.target.id, title: o.target.title },
    profile: o.profile,
    environment: { kernel: os.release(), node: process.version, jobs: o.jobs, ip: o.family },
    totals,
    cells: judged,
  };
}
