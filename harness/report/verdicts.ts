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
