import { isState, type State } from '../model/states.js';
import { transitionId } from '../model/transitions.js';
import type { EndpointResult, ObservedStateResult } from '../run/results.js';

/**
 * Expected against observed states of one endpoint, lined up for display.
 * The alignment is the one the verdict uses (longest common subsequence of
 * state names, after dropping transient observed states the expectation does
 * not name), so a picture never disagrees with the verdict it illustrates.
 */

export type RowKind =
  /** Expected and observed. */
  | 'same'
  /** Expected, not observed. */
  | 'missing'
  /** Observed, not expected. */
  | 'unexpected'
  /** Observed, transient, and not named by the expectation: allowed without being expected. */
  | 'transient';

export interface PathRow {
  kind: RowKind;
  expected?: State;
  observed?: ObservedStateResult;
  /** 1-based position in the observed timeline (the number drawn on the diagram), when observed. */
  step?: number;
}

export function alignPaths(expected: readonly State[], observed: readonly ObservedStateResult[]): PathRow[] {
  const named = new Set<string>(expected);
  const relevant: { o: ObservedStateResult; step: number }[] = [];
  const skipped = new Map<number, { o: ObservedStateResult; step: number }[]>();
  observed.forEach((o, k) => {
    if (o.transient && !named.has(o.state)) {
      // Remember where it sat, to show it in place.
      const list = skipped.get(relevant.length) ?? [];
      list.push({ o, step: k + 1 });
      skipped.set(relevant.length, list);
    } else relevant.push({ o, step: k + 1 });
  });

  const n = expected.length;
  const m = relevant.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i]![j] = expected[i] === relevant[j]!.o.state ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);

  const rows: PathRow[] = [];
  const flushSkipped = (j: number): void => {
    for (const s of skipped.get(j) ?? []) rows.push({ kind: 'transient', observed: s.o, step: s.step });
    skipped.delete(j);
  };
  let i = 0;
  let j = 0;
  flushSkipped(0);
  while (i < n || j < m) {
    if (i < n && j < m && expected[i] === relevant[j]!.o.state) {
      rows.push({ kind: 'same', expected: expected[i]!, observed: relevant[j]!.o, step: relevant[j]!.step });
      i++;
      j++;
      flushSkipped(j);
    } else if (i < n && (j === m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      rows.push({ kind: 'missing', expected: expected[i]! });
      i++;
    } else {
      rows.push({ kind: 'unexpected', observed: relevant[j]!.o, step: relevant[j]!.step });
      j++;
      flushSkipped(j);
    }
  }
  for (const k of [...skipped.keys()].sort((x, y) => x - y)) flushSkipped(k);
  return rows;
}

/** The transitions (`FROM->TO`) a path takes, in order, repeats kept. */
export function pathEdges(path: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 1; i < path.length; i++) {
    const from = path[i - 1]!;
    const to = path[i]!;
    if (isState(from) && isState(to) && from !== to) out.push(transitionId(from, to));
  }
  return out;
}

export type EdgeKind = 'same' | 'missing' | 'unexpected';

/** How each edge of either path relates to the other path. */
export function edgeKinds(expected: readonly string[], observed: readonly string[]): Map<string, EdgeKind> {
  const exp = new Set(pathEdges(expected));
  const obs = new Set(pathEdges(observed));
  const out = new Map<string, EdgeKind>();
  for (const e of obs) out.set(e, exp.has(e) ? 'same' : 'unexpected');
  for (const e of exp) if (!obs.has(e)) out.set(e, 'missing');
  return out;
}

/** Whether an endpoint's observation differs from its expectation in any row that counts. */
export function endpointDiffers(e: EndpointResult): boolean {
  return alignPaths(e.expected, e.observed).some((r) => r.kind === 'missing' || r.kind === 'unexpected');
}
