import type { State } from '../model/states.js';
import type { ObservedState, Timeline } from '../observe/types.js';

/**
 * Matching an endpoint's expected states against its observed timeline.
 * Ordered and exact, with one documented allowance (docs/verdicts.md): an
 * observed state marked transient (entered and left while the stack
 * processed one segment, like Linux's FIN_WAIT_2 on a FIN+ACK in
 * FIN_WAIT_1) may be absent from the expectation.
 */

export interface Match {
  ok: boolean;
  /** Diff lines: `  X` both, `- X` expected only, `+ X` observed only. */
  lines: string[];
}

export function matchTimeline(expected: readonly State[], observed: Timeline): Match {
  // Transient states the expectation does not name are dropped before the
  // comparison; all other observed states must line up exactly.
  const named = new Set(expected);
  const relevant = observed.filter((o) => !o.transient || named.has(o.state));
  const ok = relevant.length === expected.length && relevant.every((o, i) => o.state === expected[i]);
  return { ok, lines: diffLines(expected, relevant) };
}

/** Whether the observation so far can still grow into the expectation (a prefix of it). */
export function isPrefix(expected: readonly State[], observed: Timeline): boolean {
  const named = new Set(expected);
  const relevant = observed.filter((o) => !o.transient || named.has(o.state));
  return relevant.length <= expected.length && relevant.every((o, i) => o.state === expected[i]);
}

function describe(o: ObservedState): string {
  const marks = [o.sources.join(', ')];
  if (o.transient) marks.push('transient');
  return `${o.state}  (${marks.join('; ')})`;
}

/** A line diff over the longest common subsequence of state names. */
function diffLines(expected: readonly State[], observed: ObservedState[]): string[] {
  const n = expected.length;
  const m = observed.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i]![j] = expected[i] === observed[j]!.state ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && expected[i] === observed[j]!.state) {
      out.push(`  ${describe(observed[j]!)}`);
      i++;
      j++;
    } else if (i < n && (j === m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      out.push(`- ${expected[i]!}`);
      i++;
    } else {
      out.push(`+ ${describe(observed[j]!)}`);
      j++;
    }
  }
  return out;
}
