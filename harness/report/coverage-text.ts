import type { RunResult } from '../run/results.js';

/** One line for the console: covered counts and what is missing. */
export function coverageSummary(c: NonNullable<RunResult['coverage']>): string[] {
  const covered = (m: Record<string, string[]>) => Object.entries(m).filter(([, specs]) => specs.length > 0).length;
  const missing = (m: Record<string, string[]>) => Object.entries(m).filter(([, specs]) => specs.length === 0).map(([k]) => k);
  const lines = [
    `Coverage: ${covered(c.states)}/${Object.keys(c.states).length} states, ${covered(c.transitions)}/${Object.keys(c.transitions).length} transitions` +
      (Object.keys(c.unreachable).length ? ` (not reachable through the sockets API: ${Object.keys(c.unreachable).join(', ')})` : ''),
  ];
  const ms = missing(c.states);
  const mt = missing(c.transitions);
  if (ms.length) lines.push(`  states not covered: ${ms.join(', ')}`);
  if (mt.length) lines.push(`  transitions not covered: ${mt.join(', ')}`);
  return lines;
}
