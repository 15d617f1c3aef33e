import fs from 'node:fs';
import path from 'node:path';
import { inStateDir, subdirOf, tidyStateDir } from './state.js';

/**
 * Run records: `/run/tcpconform/runs/<run>` says which process owns a run,
 * by PID and by that process's start time. The start time is what makes the
 * record trustworthy: after the owner dies its PID can be given to an
 * unrelated process, and a PID alone would then make a dead run look alive
 * forever (its leftovers never reaped).
 */

export const RUNS_DIR = subdirOf('runs');

/** The exact shape of a run id (`newRunId`): anything else is not ours. */
export const RUN_ID = /^[0-9a-f]{6}$/;

export interface RunRecord {
  pid: number;
  /** Field 22 of /proc/<pid>/stat: clock ticks since boot when the process started. */
  start: number;
}

/** Start time of a process (field 22 of /proc/<pid>/stat), or undefined when there is no such process. */
export function processStartTime(pid: number): number | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Field 2 is the command name in parentheses and may itself hold spaces and
  // parentheses: count fields from after the last ')', where field 3 begins.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const start = Number(rest[22 - 3]);
  return Number.isFinite(start) ? start : undefined;
}

/** True when `pid` runs and is the very process that started at `start`. */
export function isSameProcess(pid: number, start: number): boolean {
  return processStartTime(pid) === start;
}

function recordFile(run: string, runsDir = RUNS_DIR): string {
  if (!RUN_ID.test(run)) throw new Error(`not a run id: ${JSON.stringify(run)}`);
  return path.join(runsDir, run);
}

/**
 * Records that the calling process owns `run`. Call it before the run
 * creates anything (tracefs instance, namespaces), so that the reaper never
 * mistakes a starting run for a dead one.
 */
export function registerRun(run: string): void {
  const start = processStartTime(process.pid);
  if (start === undefined) throw new Error('cannot read /proc/self/stat: the run record needs it');
  inStateDir('runs', (dir) => {
    const file = recordFile(run, dir);
    // Written aside and renamed, so a reader never sees half a record.
    const temp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temp, JSON.stringify({ pid: process.pid, start } satisfies RunRecord));
    fs.renameSync(temp, file);
  });
}

/**
 * Removes the run record, once everything the run created is gone, and the
 * state folders if nothing else is in them. Only the owner's own record is
 * removed.
 */
export function unregisterRun(run: string): void {
  const file = recordFile(run);
  const record = readRunRecord(run);
  if (record && record.pid !== process.pid) return;
  fs.rmSync(file, { force: true });
  tidyStateDir();
}

/** The record of `run` (in `runsDir`, by default this user's), or undefined when there is none or it is unreadable. */
export function readRunRecord(run: string, runsDir = RUNS_DIR): RunRecord | undefined {
  try {
    const r = JSON.parse(fs.readFileSync(recordFile(run, runsDir), 'utf8')) as Partial<RunRecord>;
    return Number.isInteger(r.pid) && Number.isInteger(r.start) ? { pid: r.pid!, start: r.start! } : undefined;
  } catch {
    return undefined;
  }
}

/** Run ids that have a record (well-formed names only). */
export function recordedRuns(runsDir = RUNS_DIR): string[] {
  try {
    return fs.readdirSync(runsDir).filter((n) => RUN_ID.test(n));
  } catch {
    return [];
  }
}

export function removeRunRecord(run: string, runsDir = RUNS_DIR): void {
  fs.rmSync(recordFile(run, runsDir), { force: true });
}
