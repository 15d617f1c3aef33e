import { alignPaths, edgeKinds, endpointDiffers, pathEdges } from '../../../harness/report/paths.js';
import type { ObservedStateResult } from '../../../harness/run/results.js';
import { realRun, spec } from './real-results.js';

const obs = (state: ObservedStateResult['state'], tMs: number, transient = false): ObservedStateResult => ({
  state,
  tMs,
  sources: ['tracepoint'],
  ...(transient ? { transient } : {}),
});

describe('alignPaths', () => {
  it('lines up a real failing endpoint the way its diff does', () => {
    const a = spec(realRun(), 'wrong.three-way').endpoints['a']!;
    const rows = alignPaths(a.expected, a.observed);
    expect(rows.map((r) => [r.kind, r.expected ?? null, r.observed?.state ?? null, r.step ?? null])).toEqual([
      ['same', 'CLOSED', 'CLOSED', 1],
      ['same', 'SYN_SENT', 'SYN_SENT', 2],
      ['missing', 'SYN_RCVD', null, null],
      ['same', 'ESTABLISHED', 'ESTABLISHED', 3],
    ]);
    expect(endpointDiffers(a)).toBe(true);
    expect(endpointDiffers(spec(realRun(), 'wrong.three-way').endpoints['b']!)).toBe(false);
  });

  it('marks observed-only states as unexpected', () => {
    const rows = alignPaths(['CLOSED', 'SYN_SENT', 'ESTABLISHED'], [obs('CLOSED', 0), obs('SYN_SENT', 1), obs('CLOSED', 2)]);
    expect(rows.map((r) => r.kind)).toEqual(['same', 'same', 'missing', 'unexpected']);
    expect(rows[3]!.step).toBe(3);
  });

  it('keeps transient states the expectation does not name in place, as allowed, like the verdict', () => {
    const rows = alignPaths(
      ['FIN_WAIT_1', 'TIME_WAIT'],
      [obs('FIN_WAIT_1', 0), obs('FIN_WAIT_2', 1, true), obs('TIME_WAIT', 1)],
    );
    expect(rows.map((r) => [r.kind, r.observed?.state ?? null, r.step ?? null])).toEqual([
      ['same', 'FIN_WAIT_1', 1],
      ['transient', 'FIN_WAIT_2', 2],
      ['same', 'TIME_WAIT', 3],
    ]);
    // Named by the expectation, a transient state is matched like any other.
    expect(alignPaths(['FIN_WAIT_2'], [obs('FIN_WAIT_2', 0, true)]).map((r) => r.kind)).toEqual(['same']);
  });

  it('handles empty paths', () => {
    expect(alignPaths([], [])).toEqual([]);
    expect(alignPaths(['CLOSED'], []).map((r) => r.kind)).toEqual(['missing']);
  });
});

describe('edges', () => {
  it('lists the transitions of a path and how two paths differ', () => {
    expect(pathEdges(['CLOSED', 'SYN_SENT', 'ESTABLISHED'])).toEqual(['CLOSED->SYN_SENT', 'SYN_SENT->ESTABLISHED']);
    const kinds = edgeKinds(['CLOSED', 'SYN_SENT', 'SYN_RCVD', 'ESTABLISHED'], ['CLOSED', 'SYN_SENT', 'ESTABLISHED']);
    expect(Object.fromEntries(kinds)).toEqual({
      'CLOSED->SYN_SENT': 'same',
      'SYN_SENT->ESTABLISHED': 'unexpected',
      'SYN_SENT->SYN_RCVD': 'missing',
      'SYN_RCVD->ESTABLISHED': 'missing',
    });
  });
});
