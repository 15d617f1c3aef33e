import { execa } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { removeInstance } from '../observe/tracefs.js';
import { isSameProcess, readRunRecord, removeRunRecord } from './runs.js';
import { isEmpty, NETNS_DIR, ownerlessLocks, runOfProcess, scanResidue, stateDirs, type RunResidue } from './residue.js';
import { blockOwner, STATE_DIR } from './names.js';
import { isHostRoot } from './privilege.js';
import { subdirOf, tidyStateDir } from './state.js';

const runsDir = (r: RunResidue) => subdirOf('runs', r.stateDir);
const blocksDir = (r: RunResidue) => subdirOf('blocks', r.stateDir);

/**
 * The reaper: removes what runs whose owner process is gone left behind.
 * A run cleans up after itself on exit, failure, SIGINT and SIGTERM; only
 * SIGKILL (or the OOM killer, or a crash of Node itself) leaves residue.
 *
 * A run is live, and never touched, while any of these holds:
 * - its run record names a running process with the recorded start time;
 * - one of its address-block locks names a running process (the record,
 *   when there is one, is trusted over a bare PID that may have been reused);
 * - a process holds its tracefs instance's trace_pipe open (only a live
 *   run reads it; this covers runs started before run records existed).
 *
 * Order matters: leftover processes first (SIGKILL: they are orphans of a
 * dead run, and a process inside a namespace keeps the namespace alive after
 * its name is deleted), then namespaces, then tracefs instances, then the
 * lock files and the run record, so that a crash of the reaper itself leaves
 * a run that still looks dead and is reaped next time.
 */

export interface Liveness {
  live: boolean;
  why: string;
}

export interface RunStatus extends RunResidue, Liveness {}

function pidRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function liveness(r: RunResidue): Liveness {
  const record = readRunRecord(r.run, runsDir(r));
  if (record && isSameProcess(record.pid, record.start)) return { live: true, why: `owner pid ${record.pid} is running` };
  for (const b of r.blocks) {
    if (record && b.pid === record.pid) continue; // that PID is a different process now
    if (pidRunning(b.pid)) return { live: true, why: `address block ${b.block} is held by running pid ${b.pid}` };
  }
  const reader = traceReader(r.traceInstances);
  if (reader !== undefined) return { live: true, why: `pid ${reader} is reading its trace pipe` };
  if (record) return { live: false, why: `owner pid ${record.pid} is gone` };
  const pids = [...new Set(r.blocks.map((b) => b.pid))];
  if (pids.length) return { live: false, why: `block owner pid ${pids.join(', ')} is gone` };
  return { live: false, why: 'no owner: neither a run record nor a block lock names a running process' };
}

/** A process that has one of these instances' trace_pipe open, if any. */
function traceReader(instances: string[]): number | undefined {
  if (instances.length === 0) return undefined;
  const pipes = instances.map((d) => `/instances/${path.basename(d)}/trace_pipe`);
  for (const entry of safeList('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    for (const fd of safeList(`/proc/${entry}/fd`)) {
      let target: string;
      try {
        target = fs.readlinkSync(`/proc/${entry}/fd/${fd}`);
      } catch {
        continue;
      }
      if (pipes.some((p) => target.endsWith(p))) return Number(entry);
    }
  }
  return undefined;
}

function safeList(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/** Every run with residue, live or dead, sorted by run id. */
export function survey(): RunStatus[] {
  return [...scanResidue().values()]
    .filter((r) => !isEmpty(r))
    .sort((a, b) => (a.run < b.run ? -1 : a.run > b.run ? 1 : 0))
    .map((r) => ({ ...r, ...liveness(r) }));
}

export interface ReapOptions {
  /** Only say what would be removed. */
  dryRun?: boolean;
  /** Only this run. */
  run?: string;
  /** How long to wait for killed processes to be gone (ms). */
  killWaitMs?: number;
  /** Pass over, without a word, the dead runs only root may remove (a user's run at start). */
  mineOnly?: boolean;
}

export interface ReapResult {
  run: string;
  live: boolean;
  why: string;
  /** What was removed (or, with dryRun, would be), one line each. */
  removed: string[];
  /** What could not be removed, with the reason. */
  failed: string[];
}

/**
 * Whether this user may remove a run's residue: root may; without root only
 * the user's own runs (its state folder, no namespaces on the machine, no
 * tracefs instance).
 */
export function removableByThisUser(r: RunResidue): boolean {
  return isHostRoot() || (r.stateDir === STATE_DIR && !r.namespaces.length && !r.traceInstances.length);
}

/** Removes the residue of every dead run (or only `opts.run`). Live runs are reported and left alone. */
export async function reap(opts: ReapOptions = {}): Promise<ReapResult[]> {
  const results: ReapResult[] = [];
  for (const status of survey()) {
    if (opts.run !== undefined && status.run !== opts.run) continue;
    if (opts.mineOnly && !status.live && !removableByThisUser(status)) continue;
    const result: ReapResult = { run: status.run, live: status.live, why: status.why, removed: [], failed: [] };
    results.push(result);
    if (status.live) continue;
    if (!removableByThisUser(status)) {
      result.failed.push('it is not this user\'s: only root can remove it (`sudo tcpconform clean`)');
      continue;
    }
    if (opts.dryRun) {
      result.removed.push(...describe(status));
      continue;
    }
    // Checked again right before acting: a survey takes a while, and a run
    // that looked dead then (an owner that was slow to write its record) may
    // be live now.
    const again = scanResidue().get(status.run);
    if (!again) continue;
    const now = liveness(again);
    if (now.live) {
      Object.assign(result, now);
      continue;
    }
    await reapRun(again, result, opts.killWaitMs ?? 3000);
  }
  // State folders left empty (a run killed between making one and writing
  // in it has no residue to name it): rmdir(2) removes them only if empty.
  if (!opts.dryRun) for (const dir of stateDirs()) tidyStateDir(dir);
  return results;
}

/**
 * Removes the block locks no run can be tied to (`ownerlessLocks`). Called
 * before `reap`, whose last step removes the state folders this leaves empty.
 */
export function removeOwnerlessLocks(): { removed: string[]; failed: string[] } {
  const out = { removed: [] as string[], failed: [] as string[] };
  for (const file of ownerlessLocks()) {
    try {
      fs.rmSync(file, { force: true });
      out.removed.push(file);
    } catch (err) {
      out.failed.push(`${file}: ${(err as Error).message}`);
    }
  }
  return out;
}

/** Set to 1, a run leaves dead runs' residue to `tcpconform clean` instead of removing it at start. */
export const NO_REAP_ENV = 'TCPCONFORM_NO_REAP';

/**
 * What every run does before it builds a lab: removes what dead runs left,
 * as `tcpconform clean` would, so that the residue of a run killed with
 * SIGKILL goes with the next run. Says what it removed in one line a run;
 * what it cannot remove is said too, and never stops the run.
 */
export async function reapAtStart(log: (line: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (env[NO_REAP_ENV] === '1') return;
  const locks = removeOwnerlessLocks();
  for (const file of locks.removed) log(`removed address-block lock ${file}, which named no owner`);
  for (const line of locks.failed) log(`warning: could not remove address-block lock ${line}`);
  let results: ReapResult[];
  try {
    results = await reap({ mineOnly: true });
  } catch (err) {
    log(`warning: could not look for what dead runs left: ${(err as Error).message}; \`tcpconform doctor\` shows it`);
    return;
  }
  for (const r of results) {
    if (r.live) continue;
    if (r.removed.length) log(`removed what dead run ${r.run} left (${r.why}): ${r.removed.length} item(s)`);
    for (const line of r.failed) log(`warning: could not remove what dead run ${r.run} left: ${line}`);
  }
}

function describe(r: RunResidue): string[] {
  return [
    ...r.processes.map((p) => `process ${p.pid} (${p.command}; found by ${p.via})`),
    ...r.namespaces.map((n) => `namespace ${n}`),
    ...r.traceInstances.map((d) => `tracefs instance ${d}`),
    ...r.blocks.map((b) => `address-block lock ${path.join(blocksDir(r), b.block)}`),
    ...r.lockTemps.map((t) => `address-block lock ${path.join(blocksDir(r), t)}`),
    ...(r.record ? [`run record ${path.join(runsDir(r), r.run)}`] : []),
    ...r.recordTemps.map((t) => `run record ${path.join(runsDir(r), t)}`),
    ...r.targetDirs.map((d) => `target folder ${d}`),
  ];
}

async function reapRun(r: RunResidue, out: ReapResult, killWaitMs: number): Promise<void> {
  /** `fn` may return a note that replaces the plain "removed" line, e.g. that the thing was already gone. */
  const attempt = async (what: string, fn: () => unknown): Promise<void> => {
    try {
      const note = await fn();
      out.removed.push(typeof note === 'string' ? `${what}: ${note}` : what);
    } catch (err) {
      out.failed.push(`${what}: ${(err as Error).message}`);
    }
  };

  // 1. Processes, by PID, each checked once more to be the one we found.
  const nsInodes = namespaceInodes(r);
  const killed: number[] = [];
  for (const p of r.processes) {
    await attempt(`process ${p.pid} (${p.command})`, () => {
      // The PID may belong to another process by now: kill only the one found.
      if (!isSameProcess(p.pid, p.start) || runOfProcess(p.pid, nsInodes)?.run !== r.run) return 'already gone';
      process.kill(p.pid, 'SIGKILL');
      killed.push(p.pid);
    });
  }
  const stuck = await waitGone(killed, killWaitMs);
  for (const pid of stuck) out.failed.push(`process ${pid} is still there ${killWaitMs} ms after SIGKILL (uninterruptible sleep?)`);

  // 2. Namespaces.
  for (const ns of r.namespaces) {
    await attempt(`namespace ${ns}`, async () => {
      const res = await execa('ip', ['netns', 'delete', ns], { reject: false, stdin: 'ignore' });
      if (fs.existsSync(path.join(NETNS_DIR, ns))) throw new Error(res.stderr.trim() || `ip netns delete exited with ${res.exitCode}`);
    });
  }

  // 3. Tracefs instances: events off, then rmdir.
  for (const dir of r.traceInstances) await attempt(`tracefs instance ${dir}`, () => removeInstance(dir));

  // 4. Target processes' own folders, once the processes are gone.
  for (const d of r.targetDirs) await attempt(`target folder ${d}`, () => fs.rmSync(d, { recursive: true, force: true }));

  // 5. Lock files and the run record, last.
  for (const b of r.blocks) {
    const file = path.join(blocksDir(r), b.block);
    await attempt(`address-block lock ${file}`, () => {
      // Someone may have taken the block over since (the lock was stale): then it is theirs.
      if (blockOwner(file)?.run !== r.run) return 'taken over by another run meanwhile, left alone';
      fs.rmSync(file, { force: true });
    });
  }
  for (const t of r.lockTemps) await attempt(`address-block lock ${path.join(blocksDir(r), t)}`, () => fs.rmSync(path.join(blocksDir(r), t), { force: true }));
  for (const t of r.recordTemps) await attempt(`run record ${path.join(runsDir(r), t)}`, () => fs.rmSync(path.join(runsDir(r), t), { force: true }));
  if (r.record) await attempt(`run record ${path.join(runsDir(r), r.run)}`, () => removeRunRecord(r.run, runsDir(r)));
  if (r.stateDir) tidyStateDir(r.stateDir);
}

function namespaceInodes(r: RunResidue): Map<string, string> {
  const m = new Map<string, string>();
  for (const ns of r.namespaces) {
    try {
      m.set(`net:[${fs.statSync(path.join(NETNS_DIR, ns)).ino}]`, r.run);
    } catch {
      // gone
    }
  }
  return m;
}

/** Waits until each PID is gone or a zombie (a zombie holds nothing: no namespace, no descriptors). */
async function waitGone(pids: number[], ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  let left = pids;
  while (left.length) {
    left = left.filter((pid) => {
      try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
      } catch {
        return false;
      }
    });
    if (!left.length || Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  return left;
}
