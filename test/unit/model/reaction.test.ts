import { STATES, type State } from '../../../harness/model/states.js';
import {
  cells,
  kindFlags,
  positionsFor,
  react,
  SEGMENT_KINDS,
  type Position,
  type Profile,
  type Reaction,
  type SegmentKind,
} from '../../../harness/model/reaction.js';

/**
 * The reaction oracle, cell by cell, grouped by state; each test is named
 * <state>_<event> (the event: kind and position, and the profile where the
 * two differ). Expectations are written from RFC 9293 §3.10.7 by hand.
 */

/** `send` as `FLAGS seq/ack` strings, optional ones in brackets. */
function sends(r: Reaction): string[] {
  return r.send.map((s) => {
    const text = [s.flags, s.seq ? `seq=${s.seq}` : '', s.ack ? `ack=${s.ack}` : ''].filter(Boolean).join(' ');
    return s.optional ? `[${text}]` : text;
  });
}

function check(state: State, kind: SegmentKind, position: Position, profile: Profile, send: string[], path: State[], app: string[] = []): void {
  const r = react(state, kind, position, profile);
  expect(sends(r)).toEqual(send);
  expect(r.path).toEqual(path);
  expect(r.app).toEqual(app);
  expect(r.cites.length).toBeGreaterThan(0);
}

const ACK = 'ACK seq=snd.nxt ack=rcv.nxt';
const ACK_END = 'ACK seq=snd.nxt ack=seg.end';

describe('CLOSED', () => {
  test('CLOSED_SYN', () => check('CLOSED', 'SYN', 'any', 'rfc9293', ['RST+ACK seq=zero ack=seg.end'], []));
  test('CLOSED_ACK', () => check('CLOSED', 'ACK', 'any', 'rfc9293', ['RST seq=seg.ack'], []));
  test('CLOSED_data', () => check('CLOSED', 'data', 'any', 'rfc9293', ['RST seq=seg.ack'], []));
  test('CLOSED_FIN', () => check('CLOSED', 'FIN', 'any', 'rfc9293', ['RST+ACK seq=zero ack=seg.end'], []));
  test('CLOSED_RST', () => check('CLOSED', 'RST', 'any', 'rfc9293', [], []));
  test('CLOSED_RST+ACK', () => check('CLOSED', 'RST+ACK', 'any', 'rfc5961', [], []));
});

describe('LISTEN', () => {
  test('LISTEN_SYN', () => check('LISTEN', 'SYN', 'any', 'rfc9293', ['SYN+ACK seq=iss ack=seg.seq+1'], ['SYN_RCVD']));
  test('LISTEN_SYN+FIN', () => check('LISTEN', 'SYN+FIN', 'any', 'rfc9293', ['SYN+ACK seq=iss ack=seg.seq+1'], ['SYN_RCVD']));
  test('LISTEN_SYN+ACK', () => check('LISTEN', 'SYN+ACK', 'any', 'rfc9293', ['RST seq=seg.ack'], []));
  test('LISTEN_ACK', () => check('LISTEN', 'ACK', 'any', 'rfc9293', ['RST seq=seg.ack'], []));
  test('LISTEN_RST', () => check('LISTEN', 'RST', 'any', 'rfc9293', [], []));
  test('LISTEN_RST+ACK', () => check('LISTEN', 'RST+ACK', 'any', 'rfc9293', [], []));
  test('LISTEN_FIN', () => check('LISTEN', 'FIN', 'any', 'rfc9293', [], []));
});

describe('SYN_SENT', () => {
  test('SYN_SENT_SYN+ACK_ack-acceptable', () => check('SYN_SENT', 'SYN+ACK', 'ack-acceptable', 'rfc9293', [ACK_END], ['ESTABLISHED'], ['connected']));
  test('SYN_SENT_SYN+ACK_ack-unacceptable', () => check('SYN_SENT', 'SYN+ACK', 'ack-unacceptable', 'rfc9293', ['RST seq=seg.ack'], []));
  test('SYN_SENT_SYN', () => check('SYN_SENT', 'SYN', 'any', 'rfc9293', ['SYN+ACK seq=iss ack=seg.seq+1'], ['SYN_RCVD']));
  test('SYN_SENT_RST+ACK_ack-acceptable', () => check('SYN_SENT', 'RST+ACK', 'ack-acceptable', 'rfc9293', [], ['CLOSED'], ['connection reset']));
  test('SYN_SENT_RST+ACK_ack-unacceptable', () => check('SYN_SENT', 'RST+ACK', 'ack-unacceptable', 'rfc9293', [], []));
  test('SYN_SENT_RST', () => check('SYN_SENT', 'RST', 'any', 'rfc5961', [], []));
  test('SYN_SENT_ACK_ack-acceptable', () => check('SYN_SENT', 'ACK', 'ack-acceptable', 'rfc9293', [], []));
  test('SYN_SENT_data_ack-unacceptable', () => check('SYN_SENT', 'data', 'ack-unacceptable', 'rfc9293', ['RST seq=seg.ack'], []));
  test('SYN_SENT_FIN', () => check('SYN_SENT', 'FIN', 'any', 'rfc9293', [], []));
});

describe('SYN_RCVD', () => {
  test('SYN_RCVD_ACK_exact', () => check('SYN_RCVD', 'ACK', 'exact', 'rfc9293', [], ['ESTABLISHED']));
  test('SYN_RCVD_ACK_ack-unacceptable', () => check('SYN_RCVD', 'ACK', 'ack-unacceptable', 'rfc9293', ['RST seq=seg.ack'], []));
  test('SYN_RCVD_ACK_out-of-window', () => check('SYN_RCVD', 'ACK', 'out-of-window', 'rfc9293', [ACK], []));
  test('SYN_RCVD_RST_exact', () => check('SYN_RCVD', 'RST', 'exact', 'rfc9293', [], ['LISTEN']));
  test('SYN_RCVD_RST_in-window_rfc5961', () => check('SYN_RCVD', 'RST', 'in-window', 'rfc5961', [ACK], []));
  test('SYN_RCVD_SYN_exact', () => check('SYN_RCVD', 'SYN', 'exact', 'rfc5961', [], ['LISTEN']));
  test('SYN_RCVD_data+FIN_exact', () => check('SYN_RCVD', 'data+FIN', 'exact', 'rfc9293', [ACK_END], ['ESTABLISHED', 'CLOSE_WAIT'], ['data', 'connection closing']));
});

describe('ESTABLISHED', () => {
  test('ESTABLISHED_data_exact', () => check('ESTABLISHED', 'data', 'exact', 'rfc9293', [ACK_END], [], ['data']));
  test('ESTABLISHED_data_in-window', () => check('ESTABLISHED', 'data', 'in-window', 'rfc9293', [`[${ACK}]`], []));
  test('ESTABLISHED_data_out-of-window', () => check('ESTABLISHED', 'data', 'out-of-window', 'rfc9293', [ACK], []));
  test('ESTABLISHED_FIN+ACK_exact', () => check('ESTABLISHED', 'FIN+ACK', 'exact', 'rfc9293', [ACK_END], ['CLOSE_WAIT'], ['connection closing']));
  test('ESTABLISHED_FIN_exact', () => check('ESTABLISHED', 'FIN', 'exact', 'rfc9293', [], []));
  test('ESTABLISHED_ACK_ack-unacceptable', () => check('ESTABLISHED', 'ACK', 'ack-unacceptable', 'rfc9293', [ACK], []));
  test('ESTABLISHED_RST_exact', () => check('ESTABLISHED', 'RST', 'exact', 'rfc5961', [], ['CLOSED'], ['connection reset']));
  test('ESTABLISHED_RST_in-window_rfc9293', () => check('ESTABLISHED', 'RST', 'in-window', 'rfc9293', [], ['CLOSED'], ['connection reset']));
  test('ESTABLISHED_RST_in-window_rfc5961', () => check('ESTABLISHED', 'RST', 'in-window', 'rfc5961', [ACK], []));
  test('ESTABLISHED_RST_out-of-window', () => check('ESTABLISHED', 'RST', 'out-of-window', 'rfc5961', [], []));
  test('ESTABLISHED_SYN_exact_rfc9293', () => check('ESTABLISHED', 'SYN', 'exact', 'rfc9293', ['RST'], ['CLOSED'], ['connection reset']));
  test('ESTABLISHED_SYN_exact_rfc5961', () => check('ESTABLISHED', 'SYN', 'exact', 'rfc5961', [ACK], []));
  test('ESTABLISHED_SYN+ACK_in-window_rfc9293', () => check('ESTABLISHED', 'SYN+ACK', 'in-window', 'rfc9293', ['RST'], ['CLOSED'], ['connection reset']));
  test('ESTABLISHED_SYN+ACK_in-window_rfc5961', () => check('ESTABLISHED', 'SYN+ACK', 'in-window', 'rfc5961', [ACK], []));
  test('ESTABLISHED_SYN_out-of-window', () => check('ESTABLISHED', 'SYN', 'out-of-window', 'rfc9293', [ACK], []));
});

describe('FIN_WAIT_1', () => {
  test('FIN_WAIT_1_ACK_exact', () => check('FIN_WAIT_1', 'ACK', 'exact', 'rfc9293', [], ['FIN_WAIT_2']));
  test('FIN_WAIT_1_FIN+ACK_exact', () => check('FIN_WAIT_1', 'FIN+ACK', 'exact', 'rfc9293', [ACK_END], ['FIN_WAIT_2', 'TIME_WAIT'], ['connection closing']));
  test('FIN_WAIT_1_data_exact', () => check('FIN_WAIT_1', 'data', 'exact', 'rfc9293', [ACK_END], ['FIN_WAIT_2'], ['data']));
  test('FIN_WAIT_1_ACK_in-window', () => check('FIN_WAIT_1', 'ACK', 'in-window', 'rfc9293', [`[${ACK}]`], []));
  test('FIN_WAIT_1_RST_exact', () => check('FIN_WAIT_1', 'RST', 'exact', 'rfc9293', [], ['CLOSED'], ['connection reset']));
});

describe('FIN_WAIT_2', () => {
  test('FIN_WAIT_2_FIN+ACK_exact', () => check('FIN_WAIT_2', 'FIN+ACK', 'exact', 'rfc9293', [ACK_END], ['TIME_WAIT'], ['connection closing']));
  test('FIN_WAIT_2_data_exact', () => check('FIN_WAIT_2', 'data', 'exact', 'rfc9293', [ACK_END], [], ['data']));
  test('FIN_WAIT_2_ACK_exact', () => check('FIN_WAIT_2', 'ACK', 'exact', 'rfc9293', [], []));
});

describe('CLOSE_WAIT', () => {
  test('CLOSE_WAIT_data_exact', () => check('CLOSE_WAIT', 'data', 'exact', 'rfc9293', [], []));
  test('CLOSE_WAIT_FIN+ACK_exact', () => check('CLOSE_WAIT', 'FIN+ACK', 'exact', 'rfc9293', [ACK_END], [], ['connection closing']));
  test('CLOSE_WAIT_RST_exact', () => check('CLOSE_WAIT', 'RST', 'exact', 'rfc9293', [], ['CLOSED'], ['connection reset']));
});

describe('CLOSING', () => {
  test('CLOSING_ACK_exact', () => check('CLOSING', 'ACK', 'exact', 'rfc9293', [], ['TIME_WAIT']));
  test('CLOSING_RST_exact', () => check('CLOSING', 'RST', 'exact', 'rfc9293', [], ['CLOSED']));
  test('CLOSING_ACK_ack-unacceptable', () => check('CLOSING', 'ACK', 'ack-unacceptable', 'rfc9293', [ACK], []));
});

describe('LAST_ACK', () => {
  test('LAST_ACK_ACK_exact', () => check('LAST_ACK', 'ACK', 'exact', 'rfc9293', [], ['CLOSED']));
  test('LAST_ACK_FIN+ACK_exact', () => check('LAST_ACK', 'FIN+ACK', 'exact', 'rfc9293', [], ['CLOSED']));
  test('LAST_ACK_RST_in-window_rfc9293', () => check('LAST_ACK', 'RST', 'in-window', 'rfc9293', [], ['CLOSED']));
  test('LAST_ACK_SYN_exact_rfc5961', () => check('LAST_ACK', 'SYN', 'exact', 'rfc5961', [ACK], []));
});

describe('TIME_WAIT', () => {
  test('TIME_WAIT_FIN+ACK_exact', () => check('TIME_WAIT', 'FIN+ACK', 'exact', 'rfc9293', [ACK_END], [], ['connection closing']));
  test('TIME_WAIT_ACK_exact', () => check('TIME_WAIT', 'ACK', 'exact', 'rfc9293', [], []));
  test('TIME_WAIT_RST_exact', () => check('TIME_WAIT', 'RST', 'exact', 'rfc9293', [], ['CLOSED']));
  test('TIME_WAIT_ACK_ack-unacceptable_rfc9293', () => check('TIME_WAIT', 'ACK', 'ack-unacceptable', 'rfc9293', [], []));
  test('TIME_WAIT_ACK_ack-unacceptable_rfc5961', () => check('TIME_WAIT', 'ACK', 'ack-unacceptable', 'rfc5961', [ACK], []));
  test('TIME_WAIT_SYN_in-window_rfc9293', () => check('TIME_WAIT', 'SYN', 'in-window', 'rfc9293', ['RST'], ['CLOSED'], ['connection reset']));
});

describe('the grid', () => {
  test('every state, kind and position has a reaction with a citation from RFC 9293 §3.10.7', () => {
    const all = cells(STATES);
    expect(new Set(all.map((c) => c.state)).size).toBe(11);
    for (const profile of ['rfc9293', 'rfc5961'] as const)
      for (const c of all) {
        const r = react(c.state, c.kind, c.position, profile);
        expect(r.cites.every((x) => x.section.startsWith('3.10.7') && x.text.length > 20)).toBe(true);
        expect(r.rule.length).toBeGreaterThan(0);
      }
    // 8 windowed states x (4 kinds x 3 + 6 kinds x 4) + CLOSED, LISTEN (10 each) + SYN_SENT (4 + 6 x 2)
    expect(all.length).toBe(8 * 36 + 10 + 10 + 16);
  });

  test('the profiles differ only where RFC 5961 applies: RST in the window, SYN in a synchronized state, TIME_WAIT ACK check', () => {
    for (const c of cells(STATES)) {
      const a = JSON.stringify(react(c.state, c.kind, c.position, 'rfc9293').send);
      const b = JSON.stringify(react(c.state, c.kind, c.position, 'rfc5961').send);
      if (a === b) continue;
      const f = kindFlags(c.kind);
      const where = (f.rst && c.position === 'in-window') || (f.syn && c.state !== 'SYN_RCVD') || (c.state === 'TIME_WAIT' && c.position === 'ack-unacceptable');
      expect({ cell: c, where }).toEqual({ cell: c, where: true });
    }
  });

  test('a position that does not apply is refused', () => {
    expect(() => react('LISTEN', 'ACK', 'exact', 'rfc9293')).toThrow(/no cell/);
    expect(positionsFor('SYN_SENT', 'FIN')).toEqual(['any']);
    expect(SEGMENT_KINDS).toHaveLength(10);
  });
});
