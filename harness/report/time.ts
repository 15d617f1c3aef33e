import type { SpecResult } from '../run/results.js';

/** The time axis shared by the HTML and the terminal timelines. */

/** Round tick steps (1, 2, 5 times a power of ten) giving about `n` ticks over `span`. */
export function niceStep(span: number, n = 7): number {
  if (!(span > 0)) return 1;
  const raw = span / n;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

/**
 * The time range a spec's events cover: from a round time before the first
 * event (the lab's setup before it is of no interest) to a little after the
 * last, so the last state shows as lasting.
 */
export function timeRange(r: SpecResult): { t0: number; t1: number } {
  const times = [
    ...Object.values(r.endpoints).flatMap((e) => e.observed.map((o) => o.tMs)),
    ...r.segments.flatMap((s) => (s.releasedMs !== undefined ? [s.tMs, s.releasedMs] : [s.tMs])),
  ].filter(Number.isFinite);
  if (times.length === 0) return { t0: 0, t1: 1 };
  const lo = Math.min(...times);
  const hi = Math.max(...times);
  const span = Math.max(hi - lo, 1);
  const step = niceStep(span);
  return { t0: Math.floor(lo / step) * step, t1: hi + span * 0.06 };
}

/**
 * Milliseconds with the precision the observers have (µs): always three
 * decimals, so times line up in columns and 54.920 is not read as coarser
 * than 57.425.
 */
export function ms(t: number): string {
  if (!Number.isFinite(t)) return '?';
  return t.toFixed(3);
}

/** A round time on an axis, without trailing zeros: `200`, `2.5`. */
export function axisLabel(t: number): string {
  return String(Number(t.toPrecision(12)));
}
