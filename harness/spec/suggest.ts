import { STATES, fromLinux, type State } from '../model/states.js';

/**
 * "Did you mean" for names typed by hand. Near misses only: a suggestion that
 * is far from what was typed is noise.
 */

/** Optimal string alignment distance (Levenshtein plus adjacent swaps). */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  // Three rolling rows are enough for the swap rule.
  let prev2 = new Array<number>(n + 1).fill(0);
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = new Array<number>(n + 1).fill(0);
    cur[0] = i;
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, (prev2[j - 2] ?? 0) + 1);
      cur[j] = v;
    }
    prev2 = prev;
    prev = cur;
  }
  return prev[n] ?? 0;
}

/** The candidate closest to `word` (case-insensitive), if it is close enough to be a typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  if (word.length > 64) return undefined;
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(w, c.toLowerCase());
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  // One edit in three characters; names of one or two characters only match
  // exactly (ignoring case), since any other short name is "one edit away".
  const limit = word.length < 3 ? 0 : Math.max(1, Math.floor(word.length / 3));
  return bestD <= limit ? best : undefined;
}

/** RFC prose spellings (§3.3.2 writes SYN-RECEIVED, FIN-WAIT-1, ...). */
const PROSE: Record<string, State> = { SYN_RECEIVED: 'SYN_RCVD', ESTAB: 'ESTABLISHED' };

/**
 * The state a mistyped name most likely means: Linux spellings (SYN_RECV,
 * FIN_WAIT1, CLOSE), RFC prose (SYN-RECEIVED), other case or separators, then
 * small typos.
 */
export function suggestState(name: string): State | undefined {
  if (name.length > 64) return undefined;
  const upper = name.toUpperCase().replace(/[\s-]+/g, '_');
  const direct = PROSE[upper] ?? fromLinux(name.toUpperCase()) ?? fromLinux(upper);
  if (direct) return direct;
  const squeezed = upper.replace(/_/g, '');
  const same = STATES.find((s) => s.replace(/_/g, '') === squeezed);
  if (same) return same;
  return closest(upper, STATES) as State | undefined;
}

/** ` (did you mean X?)` or nothing. */
export function didYouMean(suggestion: string | undefined): string {
  return suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`;
}
