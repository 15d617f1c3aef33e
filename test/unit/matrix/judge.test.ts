import { cellSpec, makeCell, segmentFor, OUT_OF_WINDOW_OFFSET } from '../../../harness/matrix/cell.js';
import { judgeCell } from '../../../harness/matrix/judge.js';
import { idMatches } from '../../../harness/target/deviations.js';
import { PREFIXES } from '../../../harness/matrix/prefix.js';
import type { SegmentResult, SpecResult } from '../../../harness/run/results.js';

/**
 * Judging a cell from a spec result: which segments count as the reaction,
 * how optional replies and retransmissions are treated, how a prefix that
 * did not complete and a target that cannot be driven end. The spec
 * results are written by hand here; the integration test judges real ones.
 */

const seg = (from: string, flags: string, seq: number, ack: number, len = 0): SegmentResult => ({ tMs: 0, from, to: from === 't' ? 'p' : 't', flags, seq, ack, len });

/** The segments of the ESTABLISHED prefix (peer client, target server). */
const HANDSHAKE = [seg('p', 'SYN', 0, 0), seg('t', 'SYN+ACK', 0, 1), seg('p', 'ACK', 1, 1)];

function result(segments: SegmentResult[], states: string[], expected: string[], verdict: SpecResult['verdict'] = 'pass', reason?: string): SpecResult {
  return {
    spec: 'x',
    title: 'x',
    file: '',
    ip: 4,
    verdict,
    ...(reason ? { reason } : {}),
    durationMs: 5,
    endpoints: {
      t: {
        target: 'reference',
        role: 'server',
        addr: '198.18.0.2',
        expected: expected as never,
        observed: states.map((s, i) => ({ state: s as never, tMs: i, sources: ['tracepoint' as const] })),
      },
    },
    segments,
  };
}

const EST = ['CLOSED', 'LISTEN', 'SYN_RCVD', 'ESTABLISHED'];

describe('judging a cell', () => {
  test('data at RCV.NXT acknowledged over the data passes', () => {
    const cell = makeCell('ESTABLISHED', 'data', 'exact', 'rfc9293');
    const r = result([...HANDSHAKE, seg('p', 'PSH+ACK', 1, 1, 100), seg('t', 'ACK', 1, 101)], EST, EST);
    const c = judgeCell(cell, r, []);
    expect(c.verdict).toBe('pass');
    expect(c.sent).toBe('ACK seq=1 ack=1 len=100');
    expect(c.observed?.send).toEqual(['ACK seq=1 ack=101']);
  });

  test('an ACK with the wrong number fails, saying what was sent and what was expected', () => {
    const cell = makeCell('ESTABLISHED', 'data', 'exact', 'rfc9293');
    const c = judgeCell(cell, result([...HANDSHAKE, seg('p', 'ACK', 1, 1, 100), seg('t', 'ACK', 1, 1)], EST, EST), []);
    expect(c.verdict).toBe('fail');
    expect(c.reason).toBe('sent ACK seq=1 ack=1, expected ACK seq=1 ack=101');
  });

  test('an optional ACK (a MAY) may come or not', () => {
    const cell = makeCell('ESTABLISHED', 'data', 'in-window', 'rfc9293');
    const test = seg('p', 'ACK', 1001, 1, 100);
    expect(judgeCell(cell, result([...HANDSHAKE, test], EST, EST), []).verdict).toBe('pass');
    expect(judgeCell(cell, result([...HANDSHAKE, test, seg('t', 'ACK', 1, 1)], EST, EST), []).verdict).toBe('pass');
    expect(judgeCell(cell, result([...HANDSHAKE, test, seg('t', 'ACK', 1, 1), seg('t', 'ACK', 1, 1)], EST, EST), []).verdict).toBe('fail');
  });

  test('a retransmission of a segment sent before the test is not part of the reaction', () => {
    const cell = makeCell('FIN_WAIT_1', 'RST', 'out-of-window', 'rfc9293');
    const fw1 = [...EST, 'FIN_WAIT_1'];
    const segs = [...HANDSHAKE, seg('t', 'FIN+ACK', 1, 1), seg('p', 'RST', 1 + OUT_OF_WINDOW_OFFSET, 0), seg('t', 'FIN+ACK', 1, 1)];
    const c = judgeCell(cell, result(segs, fw1, fw1), []);
    expect(c.verdict).toBe('pass');
    expect(c.observed).toMatchObject({ send: [], states: [], retransmissions: 1 });
  });

  test('a FIN+ACK covering our FIN: FIN_WAIT_1 to TIME_WAIT passes with FIN_WAIT_2 seen or not, not with CLOSING', () => {
    const cell = makeCell('FIN_WAIT_1', 'FIN+ACK', 'exact', 'rfc9293');
    expect(cell.reaction.path).toEqual(['FIN_WAIT_2', 'TIME_WAIT']);
    const fw1 = [...EST, 'FIN_WAIT_1'];
    const expected = [...fw1, ...cell.reaction.path];
    const segs = [...HANDSHAKE, seg('t', 'FIN+ACK', 1, 1), seg('p', 'FIN+ACK', 1, 2), seg('t', 'ACK', 2, 2)];
    expect(judgeCell(cell, result(segs, [...fw1, 'FIN_WAIT_2', 'TIME_WAIT'], expected), []).verdict).toBe('pass');
    expect(judgeCell(cell, result(segs, [...fw1, 'TIME_WAIT'], expected), []).verdict).toBe('pass');
    const closing = judgeCell(cell, result(segs, [...fw1, 'CLOSING'], expected), []);
    expect(closing.verdict).toBe('fail');
    expect(closing.reason).toContain('states CLOSING, expected FIN_WAIT_2 -> TIME_WAIT');
  });

  test('a reply the target repeats on its retransmission timer counts once', () => {
    const cell = makeCell('LISTEN', 'SYN', 'any', 'rfc9293');
    const listen = ['CLOSED', 'LISTEN'];
    const segs = [seg('p', 'SYN', 0, 0), seg('t', 'SYN+ACK', 0, 1), seg('t', 'SYN+ACK', 0, 1)];
    const c = judgeCell(cell, result(segs, [...listen, 'SYN_RCVD'], [...listen, 'SYN_RCVD']), []);
    expect(c.verdict).toBe('pass');
    expect(c.observed).toMatchObject({ send: ['SYN+ACK seq=0 ack=1'], states: ['SYN_RCVD'], retransmissions: 1 });
  });

  test('states that differ from the oracle fail, and a documented deviation (glob) turns that into deviation', () => {
    const cell = makeCell('ESTABLISHED', 'RST', 'in-window', 'rfc9293');
    const segs = [...HANDSHAKE, seg('p', 'RST', 1001, 0), seg('t', 'ACK', 1, 1)];
    const r = result(segs, EST, [...EST, 'CLOSED']);
    const failed = judgeCell(cell, r, []);
    expect(failed.verdict).toBe('fail');
    expect(failed.reason).toBe('sent ACK seq=1 ack=1, expected nothing; states stayed ESTABLISHED, expected CLOSED');
    const dev = judgeCell(cell, r, [{ specs: ['matrix.*.RST*.in-window'], reason: 'RFC 5961 challenge ACK' }]);
    expect(dev.verdict).toBe('deviation');
    expect(dev.reason).toMatch(/^RFC 5961 challenge ACK \(observed: sent ACK/);
  });

  test('a prefix that did not complete is an error naming the state', () => {
    const cell = makeCell('ESTABLISHED', 'ACK', 'exact', 'rfc9293');
    const c = judgeCell(cell, result(HANDSHAKE.slice(0, 2), ['CLOSED', 'LISTEN'], EST, 'fail', 'await at line 0 timed out'), []);
    expect(c.verdict).toBe('error');
    expect(c.reason).toBe('the target did not reach ESTABLISHED: await at line 0 timed out');
  });

  test('a verdict the executor gives without judging is kept, with its reason', () => {
    const cell = makeCell('ESTABLISHED', 'ACK', 'exact', 'rfc9293');
    const c = judgeCell(cell, result([], [], EST, 'not-applicable', 'target has no close'), []);
    expect(c).toMatchObject({ verdict: 'not-applicable', reason: 'target has no close' });
  });

  test('a target without the operation a prefix needs is not applicable', () => {
    const cell = makeCell('FIN_WAIT_1', 'ACK', 'exact', 'rfc9293');
    const c = judgeCell(cell, result(HANDSHAKE, EST, EST, 'error', 't: shutdown: unknown-op: op "shutdown" is not available'), []);
    expect(c.verdict).toBe('not-applicable');
    expect(c.reason).toContain('cannot be driven into FIN_WAIT_1');
  });
});

describe('cells as specs', () => {
  test('the segment under test sits where its position says, in the peer\'s numbers', () => {
    const est = PREFIXES.ESTABLISHED;
    expect(segmentFor(est, 'RST', 'exact')).toEqual({ flags: ['RST'], seq: 1 });
    expect(segmentFor(est, 'data', 'in-window')).toEqual({ flags: ['ACK'], len: 100, seq: 1001 });
    expect(segmentFor(est, 'SYN+ACK', 'ack-unacceptable')).toEqual({ flags: ['SYN', 'ACK'], seq: 1, ack: 1001 });
    expect(segmentFor(PREFIXES.SYN_SENT, 'SYN+ACK', 'ack-acceptable')).toEqual({ flags: ['SYN', 'ACK'] });
    expect(segmentFor(PREFIXES.TIME_WAIT, 'FIN+ACK', 'exact')).toEqual({ flags: ['FIN', 'ACK'], seq: 2 });
  });

  test('a cell\'s spec plays the prefix, sends the segment, waits for quiet, and expects the oracle\'s states', () => {
    const spec = cellSpec(makeCell('FIN_WAIT_1', 'FIN+ACK', 'exact', 'rfc9293'));
    expect(spec.endpoints).toEqual({ t: { role: 'server' }, p: { role: 'client', peer: true } });
    expect(spec.expect['t']).toEqual(['CLOSED', 'LISTEN', 'SYN_RCVD', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2', 'TIME_WAIT']);
    const last = spec.steps.slice(-2).map((s) => (s.kind === 'action' ? s.action.op : s.kind));
    expect(last).toEqual(['send-segment', 'quiet']);
  });

  test('every state has a prefix that ends in it', () => {
    for (const [state, p] of Object.entries(PREFIXES)) expect(p.states.at(-1)).toBe(state);
  });
});

describe('deviation patterns', () => {
  test('* matches any run of characters and nothing else is special', () => {
    expect(idMatches('matrix.ESTABLISHED.SYN*', 'matrix.ESTABLISHED.SYN+ACK.exact')).toBe(true);
    expect(idMatches('matrix.*.RST*.in-window', 'matrix.LAST_ACK.RST+ACK.in-window')).toBe(true);
    expect(idMatches('matrix.*.RST*.in-window', 'matrix.LAST_ACK.RST.exact')).toBe(false);
    expect(idMatches('matrix.ESTABLISHED.SYN+ACK.exact', 'matrix.ESTABLISHED.SYNNACK.exact')).toBe(false);
  });
});
