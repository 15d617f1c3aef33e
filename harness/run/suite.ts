import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { epochOffset } from '../lab/clock.js';
import { traceInstanceName } from '../lab/names.js';
import { registerRun, unregisterRun } from '../lab/runs.js';
import { TraceSession } from '../observe/tracefs.js';
import type { Reporter } from '../report/reporter.js';
import type { Spec } from '../spec/types.js';
import { Reactor } from '../sys/reactor.js';
import type { ResolvedTarget } from '../target/definition.js';
import { DEFAULT_TIMEOUTS, executeSpec, type Outcome, type Timeouts } from './executor.js';
import type { RunResult, SpecResult, VerdictName } from './results.js';
import { applicability } from './applicability.js';
import { coverageOf } from './coverage.js';
import type { CustomFaultRule, Observer } from './plugins.js';
import { pcapOf, round3, segmentsOf } from './segments.js';

/**
 * A run: the specs of a suite, each in a lab of its own, `jobs` at a time,
 * sharing one poll thread and one tracefs instance. Results go to the
 * reporters as specs finish and come back in spec order.
 */

export interface SuiteOptions {
  run: string;
  specs: Spec[];
  /** For each spec, the target of each endpoint (a run against one target). */
  targetsFor?: (spec: Spec) => Record<string, ResolvedTarget>;
  /**
   * The targets under test, each with the target of each endpoint for each
   * spec: every spec runs against each of them (a differential run), and
   * each result names the one it ran against.
   */
  subjects?: Subject[];
  jobs: number;
  outDir: string;
  reporter: Reporter;
  signal: AbortSignal;
  cwd: string;
  version: string;
  timeouts?: Timeouts;
  timers: 'short' | 'real';
  /** IP versions each spec runs over, in this order. */
  families: (4 | 6)[];
  /**
   * Whether the kernel tracepoint observes the labs (default true). Without
   * it (no root) the labs are observed through the wire and sock_diag, and
   * specs that only the tracepoint can judge are skipped.
   */
  tracepoint?: boolean;
  /** Wire rules given as functions (library API). */
  faults?: CustomFaultRule[];
  /** Observers of each spec's lab (library API). */
  observers?: Observer[];
  /** Where problems of those plug-ins go. */
  warn?: (line: string) => void;
}

export interface Subject {
  id: string;
  roles: string[];
  targetsFor: (spec: Spec) => Record<string, ResolvedTarget>;
}

export async function runSuite(opts: SuiteOptions): Promise<RunResult> {
  const subjects: (Subject | { id?: undefined; roles: string[]; targetsFor: Subject['targetsFor'] })[] = opts.subjects ?? [{ roles: [], targetsFor: opts.targetsFor! }];
  const startedAt = new Date();
  const t0 = performance.now();
  fs.mkdirSync(path.join(opts.outDir, 'pcap'), { recursive: true });
  // The run record tells the reaper (tcpconform clean) this run is alive.
  registerRun(opts.run);
  const reactor = new Reactor();
  let trace: TraceSession | undefined;
  try {
    if (opts.tracepoint !== false) trace = await TraceSession.open(traceInstanceName(opts.run), reactor);
  } catch (err) {
    await reactor.close();
    unregisterRun(opts.run);
    throw err;
  }
  // One job per spec, IP version and target, spec-major so a spec's runs report together.
  const jobs = opts.specs.flatMap((spec) => opts.families.flatMap((family) => subjects.map((subject) => ({ spec, family, subject }))));
  const several = subjects.length > 1;
  const results: (SpecResult | undefined)[] = new Array(jobs.length);
  const total = jobs.length;
  const both = opts.families.length > 1;
  let done = 0;
  let next = 0;
  const epoch = epochOffset();
  await opts.reporter.onBegin?.({
    run: opts.run,
    outDir: opts.outDir,
    total,
    jobs: opts.jobs,
    startedAt: startedAt.toISOString(),
    ...(opts.subjects ? { targets: opts.subjects.map((s) => s.id) } : {}),
  });

  // Longest waits first, so that the catalog's slowest specs do not start
  // last and set its wall time; results keep the specs' order.
  const order = jobs.map((_, i) => i).sort((x, y) => longestWait(jobs[y]!.spec) - longestWait(jobs[x]!.spec));
  // Labs are torn down while the next spec runs; the run waits for them all at the end.
  const teardowns = new Set<Promise<void>>();
  const admission = new Admission(jobs.filter((j) => longestWait(j.spec) > 0).length);
  const worker = async (): Promise<void> => {
    while (next < total && !opts.signal.aborted) {
      const index = order[next++]!;
      const { spec, family, subject } = jobs[index]!;
      await opts.reporter.onSpecBegin?.({ id: spec.id, title: spec.title, file: path.relative(opts.cwd, spec.file), index, total });
      const s0 = performance.now();
      const targets = subject.targetsFor(spec);
      const unfit = subject.id !== undefined && !Object.entries(spec.endpoints).some(([n, e]) => !e.peer && targets[n]?.id === subject.id)
        ? { verdict: 'not-applicable' as const, reason: `${subject.id} fills no endpoint of this spec (it is a ${subject.roles.join(' and a ')}, and the spec has no ${subject.roles.join(' or ')} endpoint that a program fills)` }
        : applicability(spec, targets);
      let outcome: Outcome;
      try {
        if (unfit) outcome = unrun(spec, targets, unfit.verdict, unfit.reason);
        else outcome = await executeSpec(spec, {
          run: opts.run,
          index,
          reactor,
          trace,
          targets,
          timeouts: opts.timeouts ?? DEFAULT_TIMEOUTS,
          timers: opts.timers,
          family,
          signal: opts.signal,
          ...(opts.faults ? { faults: opts.faults } : {}),
          ...(opts.observers ? { observers: opts.observers } : {}),
          ...(opts.warn ? { warn: opts.warn } : {}),
          admit: () => admission.enter(),
          deferTeardown: (t) => {
            teardowns.add(t);
            void t.finally(() => teardowns.delete(t));
          },
        });
      } catch (err) {
        if (opts.signal.aborted) return;
        outcome = { verdict: 'error', reason: `harness: ${(err as Error).message}`, endpoints: {}, packets: [], labStart: 0 };
      }
      const result = toResult(spec, family, outcome, performance.now() - s0, opts);
      if (subject.id !== undefined) result.target = subject.id;
      if (outcome.packets.length) {
        result.pcap = `pcap/${spec.id}${several ? `.${subject.id}` : ''}${both ? `.ipv${family}` : ''}.pcap`;
        fs.writeFileSync(path.join(opts.outDir, result.pcap), pcapOf(outcome.packets, epoch));
      }
      results[index] = result;
      done++;
      await opts.reporter.onSpecEnd?.(result, { done, total });
    }
  };

  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.jobs, total)) }, worker));
  } finally {
    await Promise.allSettled([...teardowns]);
    await trace?.close();
    await reactor.close();
    unregisterRun(opts.run);
  }

  const finished = results.filter((r): r is SpecResult => r !== undefined);
  const totals: Record<string, number> = {};
  for (const r of finished) totals[r.verdict] = (totals[r.verdict] ?? 0) + 1;
  const run: RunResult = {
    tool: { name: 'tcpconform', version: opts.version },
    run: opts.run,
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - t0),
    environment: {
      kernel: os.release(),
      node: process.version,
      timers: opts.timers,
      ip: opts.families,
      jobs: opts.jobs,
      observers: trace ? ['tracepoint', 'sock_diag', 'wire'] : ['sock_diag', 'wire'],
    },
    totals,
    coverage: coverageOf(finished),
    ...(opts.subjects ? { matrix: matrixOf(finished, opts.subjects.map((s) => s.id)) } : {}),
    results: finished,
  };
  await opts.reporter.onEnd?.(run);
  return run;
}

/**
 * Who may set up (lab, target processes) when. Set-up needs the CPU, and on
 * a small machine eight specs setting up at once each take several times
 * longer. The specs with long protocol waits, which start first and set the
 * run's wall time, set up one at a time and before any other, so that their
 * waits begin as early as they can; after them everything goes at once.
 */
class Admission {
  private chain: Promise<void> = Promise.resolve();

  constructor(private first: number) {}

  enter(): Promise<() => void> {
    if (this.first <= 0) return this.chain.then(() => () => {});
    this.first--;
    const before = this.chain;
    let release!: () => void;
    this.chain = new Promise<void>((resolve) => (release = resolve));
    return before.then(() => release);
  }
}

/** A spec that did not run with these targets: what each endpoint expected, nothing observed. */
function unrun(spec: Spec, targets: Record<string, ResolvedTarget>, verdict: 'not-applicable' | 'error', reason: string): Outcome {
  const endpoints: Outcome['endpoints'] = {};
  for (const [name, e] of Object.entries(spec.endpoints)) {
    endpoints[name] = { target: e.peer ? 'peer' : (targets[name]?.id ?? ''), role: e.role, addr: '', expected: spec.expect[name] ?? [], observed: [], diff: [] };
  }
  return { verdict, reason, endpoints, packets: [], labStart: 0 };
}

/** Targets across, specs (and IP versions) down: the verdict of each cell, with its reason. */
function matrixOf(results: SpecResult[], targets: string[]): NonNullable<RunResult['matrix']> {
  const rows = new Map<string, NonNullable<RunResult['matrix']>['rows'][number]>();
  for (const r of results) {
    const key = `${r.spec}\0${r.ip}`;
    const row = rows.get(key) ?? { spec: r.spec, ip: r.ip, cells: {} };
    rows.set(key, row);
    if (r.target !== undefined) row.cells[r.target] = { verdict: r.verdict, ...(r.reason !== undefined && r.verdict !== 'pass' ? { reason: r.reason } : {}) };
  }
  return { targets, rows: [...rows.values()] };
}

/** The longest `within` among a spec's awaits: a spec that waits on slow timers says so there. */
function longestWait(spec: Spec): number {
  return Math.max(0, ...spec.steps.map((s) => (s.kind === 'await' ? (s.withinMs ?? 0) : 0)));
}

function toResult(spec: Spec, family: 4 | 6, outcome: Outcome, durationMs: number, opts: SuiteOptions): SpecResult {
  const endpoints: SpecResult['endpoints'] = {};
  const diff: string[] = [];
  for (const [name, e] of Object.entries(outcome.endpoints)) {
    endpoints[name] = {
      target: e.target,
      role: e.role,
      addr: e.addr,
      expected: e.expected,
      ...(e.timers ? { timers: e.timers } : {}),
      observed: e.observed.map((o) => ({
        state: o.state,
        tMs: round3((o.t - outcome.labStart) / 1000),
        sources: o.sources,
        ...(o.transient ? { transient: true } : {}),
        ...(o.notes?.length ? { notes: o.notes } : {}),
      })),
    };
    if (e.diff.some((l) => !l.startsWith(' '))) diff.push(`${name} (${e.role}, ${e.target}):`, ...e.diff.map((l) => `  ${l}`));
  }
  const result: SpecResult = {
    spec: spec.id,
    title: spec.title,
    file: path.relative(opts.cwd, spec.file),
    ip: family,
    verdict: outcome.verdict as VerdictName,
    durationMs: Math.round(durationMs),
    endpoints,
    segments: segmentsOf(outcome.packets, outcome.labStart),
  };
  if (outcome.reason !== undefined) result.reason = outcome.reason;
  if (outcome.verdict !== 'pass' && diff.length) result.diff = diff.join('\n');
  if (outcome.stderr) result.stderr = outcome.stderr;
  if (outcome.disagreements) result.disagreements = outcome.disagreements;
  if (outcome.notes) result.notes = outcome.notes;
  if (outcome.timing) {
    const t = outcome.timing;
    result.timing = { labMs: round3(t.labMs), startMs: round3(t.startMs), stepsMs: round3(t.stepsMs), waitMs: round3(t.waitMs), teardownMs: round3(t.teardownMs) };
  }
  return result;
}
