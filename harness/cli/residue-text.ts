import type { RunStatus } from '../lab/reaper.js';

/** One line saying what a run left: "2 namespaces, 1 tracefs instance, ...". */
export function summarizeResidue(r: RunStatus): string {
  const parts: string[] = [];
  const count = (n: number, one: string, many = `${one}s`) => n && parts.push(`${n} ${n === 1 ? one : many}`);
  count(r.processes.length, 'process', 'processes');
  count(r.namespaces.length, 'namespace');
  count(r.traceInstances.length, 'tracefs instance');
  count(r.blocks.length + r.lockTemps.length, 'address-block lock');
  count(r.targetDirs.length, 'target folder');
  count((r.record ? 1 : 0) + r.recordTemps.length, 'run record');
  return parts.join(', ');
}

export function runState(r: Pick<RunStatus, 'live' | 'why'>): string {
  return `${r.live ? 'live' : 'dead'}: ${r.why}`;
}
