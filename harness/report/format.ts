import type { VerdictName } from '../run/results.js';

/** Small text helpers shared by the text reporters. */

/** Verdicts in the order summaries list them: the ones that need attention first. */
export const VERDICT_ORDER: readonly VerdictName[] = ['fail', 'error', 'deviation', 'pass', 'skipped', 'not-applicable'];

/** `45 ms`, `3.2 s`, `2 min 5 s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '? ms';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** Counts per verdict, from the results themselves (so they always agree with the list). */
export function countVerdicts(results: readonly { verdict: VerdictName }[]): Map<VerdictName, number> {
  const counts = new Map<VerdictName, number>();
  for (const r of results) counts.set(r.verdict, (counts.get(r.verdict) ?? 0) + 1);
  return counts;
}

/** The last `n` lines of a text, trailing blank lines dropped. */
export function tailLines(text: string, n: number): string[] {
  const lines = text.replace(/\s+$/, '').split(/\r?\n/);
  return lines.slice(Math.max(0, lines.length - n));
}

/** CSI and OSC escape sequences, so text from a target's stderr cannot restyle our output. */
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}
