import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { blockOwner, lockIsStale, PREFIX, STATE_DIR } from './names.js';
import { isHostRoot, stateDirFor } from './privilege.js';
import { TRACEFS_ROOTS } from '../observe/tracefs.js';
import { processStartTime, recordedRuns, RUN_ID } from './runs.js';
import { subdirOf } from './state.js';

/**
 * Finding what runs left on the machine, without changing anything. Only
 * names with our exact prefix and a well-formed run id count: a namespace
 * called `tcpconform-test` or `tcpconformx-...` is somebody else's.
 */

export const NETNS_DIR = '/run/netns';

const NAMESPACE = new RegExp(`^${PREFIX}-([0-9a-f]{6})-\\d+-[^/]+$`);
const INSTANCE = new RegExp(`^${PREFIX}-([0-9a-f]{6})$`);
/**
 * A run record or a block lock written aside before it takes its name
 * (`registerRun`, `claimBlock`), left by a crash between the two:
 * `<run>.<pid>.tmp`.
 */
const ASIDE = /^([0-9a-f]{6})\.(\d+)\.tmp$/;
/** A target process's own folder (names.ts targetDirPrefix plus mkdtemp's six characters). */
const TARGET_DIR = new RegExp(`^${PREFIX}-([0-9a-f]{6})-[a-z][a-z0-9_]*-[A-Za-z0-9]{6}$`);

export interface ResidueProcess {
  pid: number;
  /** Start time (field 22 of /proc/<pid>/stat), checked again before the process is killed. */
  start: number;
  /** Command line, for people reading the report. */
  command: string;
  /** How it was recognized: TCPCONFORM_RUN in its environment, or living in one of the run's namespaces. */
  via: 'environment' | 'namespace';
  /** Its real uid, as the machine sees it (a run without root runs as its user). */
  uid?: number;
}

export interface RunResidue {
  run: string;
  namespaces: string[];
  /** Absolute paths of tracefs instance directories. */
  traceInstances: string[];
  processes: ResidueProcess[];
  /**
   * The state folder holding the run's record and locks: /run/tcpconform
   * for root's runs, the user's own for runs without root (privilege.ts).
   */
  stateDir: string;
  /** Block numbers (lock file names in `<stateDir>/blocks`) and the PID each lock names. */
  blocks: { block: string; pid: number }[];
  /** Whether a run record exists (runs.ts). */
  record: boolean;
  /** Run records left aside (names in `<stateDir>/runs`). */
  recordTemps: string[];
  /** Block locks left aside (names in `<stateDir>/blocks`). */
  lockTemps: string[];
  /** Absolute paths of target processes' own folders ({tmp}) left in the temporary directory. */
  targetDirs: string[];
}

function list(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/** The tracefs roots that are mounted, each once even when both paths show the same file system. */
export function mountedTraceRoots(): string[] {
  return TRACEFS_ROOTS.filter((r) => fs.existsSync(path.join(r, 'instances')));
}

function emptyResidue(run: string): RunResidue {
  return { run, stateDir: '', namespaces: [], traceInstances: [], processes: [], blocks: [], record: false, recordTemps: [], lockTemps: [], targetDirs: [] };
}

/**
 * The state folders to look in: root's, and this user's own; root also
 * looks in every user's (runs without root keep theirs in the temporary
 * folder, `tcpconform-<uid>`, owned by that uid).
 */
export function stateDirs(): string[] {
  const dirs = new Set([stateDirFor(0), STATE_DIR]);
  if (isHostRoot()) {
    for (const name of list(os.tmpdir())) {
      const m = /^tcpconform-(\d+)$/.exec(name);
      if (!m) continue;
      const dir = path.join(os.tmpdir(), name);
      try {
        const st = fs.lstatSync(dir);
        if (st.isDirectory() && st.uid === Number(m[1])) dirs.add(dir);
      } catch {
        // gone
      }
    }
  }
  return [...dirs];
}

/** Every run that left something, by run id. */
export function scanResidue(): Map<string, RunResidue> {
  const runs = new Map<string, RunResidue>();
  const of = (run: string): RunResidue => {
    let r = runs.get(run);
    if (!r) runs.set(run, (r = emptyResidue(run)));
    return r;
  };

  // Namespace inode -> run, so processes inside a run's namespace are found
  // even when they dropped TCPCONFORM_RUN from their environment.
  const nsInodes = new Map<string, string>();
  for (const name of list(NETNS_DIR)) {
    const m = NAMESPACE.exec(name);
    if (!m) continue;
    of(m[1]!).namespaces.push(name);
    try {
      nsInodes.set(`net:[${fs.statSync(path.join(NETNS_DIR, name)).ino}]`, m[1]!);
    } catch {
      // removed meanwhile
    }
  }

  const seenInstances = new Set<string>();
  for (const root of mountedTraceRoots()) {
    for (const name of list(path.join(root, 'instances'))) {
      const m = INSTANCE.exec(name);
      if (!m) continue;
      const dir = path.join(root, 'instances', name);
      // /sys/kernel/debug/tracing is often the same tracefs: count the instance once.
      const key = identity(dir);
      if (seenInstances.has(key)) continue;
      seenInstances.add(key);
      of(m[1]!).traceInstances.push(dir);
    }
  }

  for (const p of scanProcesses(nsInodes)) of(p.run).processes.push(p.process);

  for (const dir of stateDirs()) {
    const blocksDir = subdirOf('blocks', dir);
    const runsDir = subdirOf('runs', dir);
    const at = (run: string): RunResidue => {
      const r = of(run);
      r.stateDir ||= dir;
      return r;
    };
    for (const block of list(blocksDir)) {
      if (!/^\d+$/.test(block)) continue;
      const owner = blockOwner(path.join(blocksDir, block));
      if (owner && RUN_ID.test(owner.run)) at(owner.run).blocks.push({ block, pid: owner.pid });
    }
    for (const run of recordedRuns(runsDir)) at(run).record = true;
    // Only a writer that is gone leaves one: a live writer removes its own.
    const aside = (folder: string, into: (r: RunResidue) => string[]) => {
      for (const name of list(folder)) {
        const m = ASIDE.exec(name);
        if (m && processStartTime(Number(m[2])) === undefined) into(at(m[1]!)).push(name);
      }
    };
    aside(runsDir, (r) => r.recordTemps);
    aside(blocksDir, (r) => r.lockTemps);
  }
  for (const name of list(os.tmpdir())) {
    const m = TARGET_DIR.exec(name);
    if (m) of(m[1]!).targetDirs.push(path.join(os.tmpdir(), name));
  }
  // A run known only by its processes, namespaces or folders keeps its state where its user's runs do.
  for (const r of runs.values()) {
    const uid = r.processes.find((p) => p.uid !== undefined)?.uid;
    r.stateDir ||= r.namespaces.length || r.traceInstances.length || uid === undefined ? stateDirFor(0) : stateDirFor(uid);
  }

  return runs;
}

/**
 * Block locks that name no owner and are old enough to be taken over
 * (`lockIsStale`), in the folders this user may clean: no run can be tied
 * to them. The current claim never makes one (the lock takes its name
 * whole); a damaged file, or a lock left by an older version killed
 * mid-claim, can be one.
 */
export function ownerlessLocks(): string[] {
  // Without root, only the user's own folder: root's locks are root's to remove.
  return (isHostRoot() ? stateDirs() : [STATE_DIR]).flatMap((dir) => {
    const blocks = subdirOf('blocks', dir);
    return list(blocks)
      .filter((name) => /^\d+$/.test(name))
      .map((name) => path.join(blocks, name))
      .filter((file) => blockOwner(file) === undefined && lockIsStale(file));
  });
}

function identity(p: string): string {
  try {
    const st = fs.statSync(p);
    return `${st.dev}:${st.ino}`;
  } catch {
    return p;
  }
}

function scanProcesses(nsInodes: Map<string, string>): { run: string; process: ResidueProcess }[] {
  const found: { run: string; process: ResidueProcess }[] = [];
  for (const entry of list('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    const hit = runOfProcess(pid, nsInodes);
    if (!hit) continue;
    const start = processStartTime(pid);
    if (start === undefined) continue; // gone meanwhile
    const uid = uidOf(pid);
    found.push({ run: hit.run, process: { pid, start, command: commandOf(pid), via: hit.via, ...(uid !== undefined ? { uid } : {}) } });
  }
  return found;
}

/** Which run a process belongs to, if any: TCPCONFORM_RUN=<run id> in its environment, or its network namespace. */
export function runOfProcess(pid: number, nsInodes: Map<string, string>): { run: string; via: ResidueProcess['via'] } | undefined {
  try {
    for (const kv of fs.readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0')) {
      if (!kv.startsWith('TCPCONFORM_RUN=')) continue;
      const run = kv.slice('TCPCONFORM_RUN='.length);
      if (RUN_ID.test(run)) return { run, via: 'environment' };
    }
  } catch {
    // gone, a kernel thread, or not ours to read
  }
  if (nsInodes.size === 0) return undefined;
  try {
    const run = nsInodes.get(fs.readlinkSync(`/proc/${pid}/ns/net`));
    if (run) return { run, via: 'namespace' };
  } catch {
    // gone or not readable
  }
  return undefined;
}

function uidOf(pid: number): number | undefined {
  try {
    const m = /^Uid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

function commandOf(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ').slice(0, 200);
  } catch {
    return '?';
  }
}

/** True when nothing is left: the figure the reaper and its tests aim at. */
export function isEmpty(r: RunResidue): boolean {
  return (
    !r.namespaces.length && !r.traceInstances.length && !r.processes.length && !r.blocks.length && !r.record && !r.recordTemps.length && !r.lockTemps.length && !r.targetDirs.length
  );
}
