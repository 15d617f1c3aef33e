import type { RunResult, SpecResult, VerdictName } from '../run/results.js';
import { countVerdicts, VERDICT_ORDER } from './format.js';

/** How the human-facing reports name and mark verdicts, in one place so they agree. */

export const VERDICT_LABEL: Record<VerdictName, string> = {
  pass: 'pass',
  fail: 'fail',
  deviation: 'deviation',
  error: 'error',
  skipped: 'skipped',
  'not-applicable': 'not applicable',
};

/** Terminal colours (SGR codes) of the verdicts, for every console output. */
export const VERDICT_ANSI: Record<VerdictName, string> = {
  pass: '32', // green
  fail: '31', // red
  deviation: '33', // yellow
  error: '1;35', // bold magenta: the harness or the target broke, not the behaviour
  skipped: '36', // cyan
  'not-applicable': '90', // grey
};

/** Marks that survive without colour (markdown, screen readers, colour-blind readers). */
export const VERDICT_ICON: Record<VerdictName, string> = {
  pass: '✅',
  fail: '❌',
  deviation: '⚠️',
  error: '💥',
  skipped: '⏭️',
  'not-applicable': '➖',
};

/** `3 passed, 1 failed, 1 error`: the verdicts present, in attention order. */
export function totalsLine(run: RunResult): string {
  const counts = countVerdicts(run.results);
  const words: Record<VerdictName, string> = {
    pass: 'passed',
    fail: 'failed',
    deviation: 'deviation',
    error: 'error',
    skipped: 'skipped',
    'not-applicable': 'not applicable',
  };
  const parts = VERDICT_ORDER.filter((v) => counts.has(v)).map((v) => {
    const n = counts.get(v)!;
    const w = words[v];
    return `${n} ${v === 'error' || v === 'deviation' ? (n === 1 ? w : `${w}s`) : w}`;
  });
  return parts.length > 0 ? parts.join(', ') : 'nothing ran';
}

/**
 * The targets of a spec, from its endpoints (each endpoint names the target
 * that filled it), in endpoint order, without repeats.
 */
export function targetsOf(r: SpecResult): string[] {
  // A run against several targets names the one under test in each result.
  if (r.target !== undefined) return [r.target];
  return [...new Set(Object.values(r.endpoints).map((e) => e.target))];
}

/** Every target of the run, in order of first appearance. */
export function runTargets(run: RunResult): string[] {
  return [...new Set(run.results.flatMap(targetsOf))];
}

/** Diff lines from results (`  X`, `- X`, `+ X`, possibly indented under an endpoint header). */
export type DiffLineKind = 'same' | 'missing' | 'unexpected' | 'header';

export function classifyDiffLine(line: string): { kind: DiffLineKind; indent: string; text: string } {
  const m = /^(\s*)([-+]) (.*)$/.exec(line);
  if (m) return { kind: m[2] === '-' ? 'missing' : 'unexpected', indent: m[1]!, text: m[3]! };
  if (/^\S/.test(line)) return { kind: 'header', indent: '', text: line };
  return { kind: 'same', indent: '', text: line };
}

/**
 * The IP version a result ran over, when the results say (a run may run
 * every spec over IPv4 and IPv6, so one spec id can have two results).
 * Read defensively: older results files have no such field.
 */
export function ipOf(r: object): 4 | 6 | undefined {
  const v = (r as { ip?: unknown }).ip;
  return v === 4 || v === 6 ? v : undefined;
}

/** `IPv6`, or nothing when the results do not say. */
export function ipLabel(r: object): string {
  const ip = ipOf(r);
  return ip ? `IPv${ip}` : '';
}

/** A column of the targets x specs matrix: one target over one IP version. */
export interface MatrixColumn {
  key: string;
  target: string;
  ip?: 4 | 6;
  label: string;
}

export function matrixColumns(run: RunResult): MatrixColumn[] {
  const cols = new Map<string, MatrixColumn>();
  for (const r of run.results) {
    const ip = ipOf(r);
    for (const target of targetsOf(r)) {
      const key = `${target}\0${ip ?? ''}`;
      if (!cols.has(key)) cols.set(key, { key, target, ip, label: ip ? `${target} · IPv${ip}` : target });
    }
  }
  return [...cols.values()];
}

export function columnKeysOf(r: SpecResult): string[] {
  const ip = ipOf(r);
  return targetsOf(r).map((t) => `${t}\0${ip ?? ''}`);
}
