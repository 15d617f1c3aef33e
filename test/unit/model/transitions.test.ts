import { STATES, type State } from '../../../harness/model/states.js';
import {
  TRANSITIONS,
  checkPath,
  coverage,
  findTransition,
  stepProblem,
  successors,
  transitionId,
} from '../../../harness/model/transitions.js';

/**
 * The oracle, edge by edge: for every state, which events lead where
 * (RFC 9293 Figure 5, its notes, and the RST/ABORT/timeout edges of §3.10),
 * and which moves are not in the RFC.
 */

type Edge = [from: State, event: string, to: State];

const LEGAL: Record<State, Edge[]> = {
  CLOSED: [
    ['CLOSED', 'passive OPEN', 'LISTEN'],
    ['CLOSED', 'active OPEN', 'SYN_SENT'],
  ],
  LISTEN: [
    ['LISTEN', 'SYN', 'SYN_RCVD'],
    ['LISTEN', 'SEND', 'SYN_SENT'],
    ['LISTEN', 'CLOSE', 'CLOSED'],
  ],
  SYN_SENT: [
    ['SYN_SENT', 'SYN (simultaneous open)', 'SYN_RCVD'],
    ['SYN_SENT', 'SYN+ACK', 'ESTABLISHED'],
    ['SYN_SENT', 'CLOSE/RST/timeout', 'CLOSED'],
  ],
  SYN_RCVD: [
    ['SYN_RCVD', 'ACK of SYN', 'ESTABLISHED'],
    ['SYN_RCVD', 'CLOSE', 'FIN_WAIT_1'],
    ['SYN_RCVD', 'RST after passive OPEN', 'LISTEN'],
    ['SYN_RCVD', 'RST after active OPEN/ABORT/timeout', 'CLOSED'],
  ],
  ESTABLISHED: [
    ['ESTABLISHED', 'CLOSE', 'FIN_WAIT_1'],
    ['ESTABLISHED', 'FIN', 'CLOSE_WAIT'],
    ['ESTABLISHED', 'RST/ABORT', 'CLOSED'],
  ],
  FIN_WAIT_1: [
    ['FIN_WAIT_1', 'ACK of FIN', 'FIN_WAIT_2'],
    ['FIN_WAIT_1', 'FIN', 'CLOSING'],
    ['FIN_WAIT_1', 'FIN+ACK', 'TIME_WAIT'],
    ['FIN_WAIT_1', 'RST/ABORT', 'CLOSED'],
  ],
  FIN_WAIT_2: [
    ['FIN_WAIT_2', 'FIN', 'TIME_WAIT'],
    ['FIN_WAIT_2', 'RST/ABORT', 'CLOSED'],
  ],
  CLOSE_WAIT: [
    ['CLOSE_WAIT', 'CLOSE', 'LAST_ACK'],
    ['CLOSE_WAIT', 'RST/ABORT', 'CLOSED'],
  ],
  CLOSING: [
    ['CLOSING', 'ACK of FIN', 'TIME_WAIT'],
    ['CLOSING', 'RST', 'CLOSED'],
  ],
  LAST_ACK: [['LAST_ACK', 'ACK of FIN', 'CLOSED']],
  TIME_WAIT: [['TIME_WAIT', '2MSL timeout/RST', 'CLOSED']],
};

/** Moves people expect and the RFC does not have, with the reason each is wrong. */
const ILLEGAL: Record<State, Edge[]> = {
  CLOSED: [
    ['CLOSED', 'SYN (no TCB)', 'SYN_RCVD'],
    ['CLOSED', 'anything', 'ESTABLISHED'],
  ],
  LISTEN: [
    ['LISTEN', 'ACK', 'ESTABLISHED'],
    ['LISTEN', 'RST (ignored)', 'LISTEN'],
  ],
  SYN_SENT: [
    ['SYN_SENT', 'CLOSE (no FIN before SYN)', 'FIN_WAIT_1'],
    ['SYN_SENT', 'RST (not a passive open)', 'LISTEN'],
  ],
  SYN_RCVD: [
    ['SYN_RCVD', 'FIN without ACK of SYN', 'CLOSE_WAIT'],
    ['SYN_RCVD', 'anything', 'SYN_SENT'],
  ],
  ESTABLISHED: [
    ['ESTABLISHED', 'snd RST (note 3, not modelled)', 'TIME_WAIT'],
    ['ESTABLISHED', 'SYN', 'SYN_RCVD'],
    ['ESTABLISHED', 'FIN', 'LAST_ACK'],
  ],
  FIN_WAIT_1: [
    ['FIN_WAIT_1', 'CLOSE again', 'LAST_ACK'],
    ['FIN_WAIT_1', 'FIN', 'CLOSE_WAIT'],
  ],
  FIN_WAIT_2: [
    ['FIN_WAIT_2', 'FIN', 'CLOSING'],
    ['FIN_WAIT_2', 'anything', 'FIN_WAIT_1'],
  ],
  CLOSE_WAIT: [
    ['CLOSE_WAIT', 'CLOSE', 'FIN_WAIT_1'],
    ['CLOSE_WAIT', 'anything', 'TIME_WAIT'],
  ],
  CLOSING: [
    ['CLOSING', 'ACK of FIN', 'FIN_WAIT_2'],
    ['CLOSING', 'anything', 'LAST_ACK'],
  ],
  LAST_ACK: [
    ['LAST_ACK', 'ACK of FIN', 'TIME_WAIT'],
    ['LAST_ACK', 'anything', 'CLOSE_WAIT'],
  ],
  TIME_WAIT: [
    ['TIME_WAIT', 'SYN (reuse is not an edge)', 'SYN_RCVD'],
    ['TIME_WAIT', 'anything', 'LISTEN'],
  ],
};

describe('RFC 9293 transitions', () => {
  for (const state of STATES) {
    describe(state, () => {
      for (const [from, event, to] of LEGAL[state]) {
        test(`${from} ${event} -> ${to} is legal`, () => {
          const t = findTransition(from, to);
          expect(t).toBeDefined();
          expect(t?.ref).toMatch(/^RFC 9293 §3\.10\.\d/);
          expect(t?.events.length).toBeGreaterThan(0);
        });
      }
      for (const [from, event, to] of ILLEGAL[state]) {
        test(`${from} ${event} -> ${to} is illegal`, () => {
          expect(findTransition(from, to)).toBeUndefined();
        });
      }
      test(`the states after ${state} are exactly the legal ones`, () => {
        const expected = LEGAL[state].map(([, , to]) => to);
        expect(new Set(successors(state))).toEqual(new Set(expected));
      });
    });
  }

  test('every edge is listed once, between known states, with a section', () => {
    const ids = TRANSITIONS.map((t) => transitionId(t.from, t.to));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(27);
    for (const t of TRANSITIONS) {
      expect(STATES).toContain(t.from);
      expect(STATES).toContain(t.to);
      expect(t.from).not.toBe(t.to);
      expect(t.ref).toMatch(/§/);
    }
  });

  test('only SEND on a listening TCB is beyond the sockets API', () => {
    expect(TRANSITIONS.filter((t) => !t.socketsApi).map((t) => transitionId(t.from, t.to))).toEqual(['LISTEN->SYN_SENT']);
  });

  test('figure notes are cited where they add edges', () => {
    expect(findTransition('FIN_WAIT_1', 'TIME_WAIT')?.ref).toContain('note 2');
    expect(findTransition('SYN_RCVD', 'LISTEN')?.ref).toContain('note 1');
  });

  test('transitionId names an edge FROM->TO', () => {
    expect(transitionId('FIN_WAIT_1', 'TIME_WAIT')).toBe('FIN_WAIT_1->TIME_WAIT');
  });
});

describe('checkPath', () => {
  const paths: Array<[string, State[]]> = [
    ['active close (Figure 12, left)', ['CLOSED', 'SYN_SENT', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2', 'TIME_WAIT', 'CLOSED']],
    ['passive close (Figure 12, right)', ['CLOSED', 'LISTEN', 'SYN_RCVD', 'ESTABLISHED', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSED']],
    ['simultaneous close (Figure 13)', ['CLOSED', 'SYN_SENT', 'ESTABLISHED', 'FIN_WAIT_1', 'CLOSING', 'TIME_WAIT']],
    ['simultaneous open (Figure 7)', ['CLOSED', 'SYN_SENT', 'SYN_RCVD', 'ESTABLISHED']],
    ['FIN+ACK in FIN_WAIT_1 (note 2)', ['CLOSED', 'SYN_SENT', 'ESTABLISHED', 'FIN_WAIT_1', 'TIME_WAIT']],
    ['old duplicate SYN reset (Figure 11)', ['CLOSED', 'LISTEN', 'SYN_RCVD', 'LISTEN', 'SYN_RCVD', 'ESTABLISHED']],
    ['a path may stop anywhere', ['CLOSED']],
  ];
  for (const [name, path] of paths) {
    test(`${name} is legal`, () => {
      expect(checkPath(path)).toEqual({ ok: true });
    });
  }

  test('an empty path is rejected', () => {
    expect(checkPath([])).toMatchObject({ ok: false, index: 0, code: 'empty' });
  });

  test('a path must start at CLOSED', () => {
    expect(checkPath(['LISTEN', 'SYN_RCVD'])).toMatchObject({ ok: false, index: 0, from: 'LISTEN', to: 'LISTEN', code: 'start' });
  });

  test('the first illegal pair is reported at the index of its second state', () => {
    const r = checkPath(['CLOSED', 'SYN_SENT', 'ESTABLISHED', 'TIME_WAIT', 'CLOSED']);
    expect(r).toMatchObject({ ok: false, index: 3, from: 'ESTABLISHED', to: 'TIME_WAIT', code: 'illegal' });
    if (!r.ok) expect(r.reason).toBe('RFC 9293 has no transition ESTABLISHED -> TIME_WAIT; after ESTABLISHED may come CLOSED, FIN_WAIT_1, CLOSE_WAIT');
  });

  test('a state repeated consecutively is illegal', () => {
    expect(checkPath(['CLOSED', 'LISTEN', 'LISTEN'])).toMatchObject({ ok: false, index: 2, from: 'LISTEN', to: 'LISTEN', code: 'repeat' });
    expect(stepProblem('CLOSED', 'CLOSED')?.code).toBe('repeat');
  });
});

describe('coverage', () => {
  test('collects visited states and the edges between them', () => {
    const c = coverage([
      ['CLOSED', 'SYN_SENT', 'ESTABLISHED', 'FIN_WAIT_1', 'TIME_WAIT'],
      ['CLOSED', 'LISTEN', 'SYN_RCVD', 'ESTABLISHED', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSED'],
    ]);
    expect([...c.states].sort()).toEqual(
      ['CLOSED', 'CLOSE_WAIT', 'ESTABLISHED', 'FIN_WAIT_1', 'LAST_ACK', 'LISTEN', 'SYN_RCVD', 'SYN_SENT', 'TIME_WAIT'].sort(),
    );
    expect(c.transitions).toEqual(
      new Set([
        'CLOSED->SYN_SENT',
        'SYN_SENT->ESTABLISHED',
        'ESTABLISHED->FIN_WAIT_1',
        'FIN_WAIT_1->TIME_WAIT',
        'CLOSED->LISTEN',
        'LISTEN->SYN_RCVD',
        'SYN_RCVD->ESTABLISHED',
        'ESTABLISHED->CLOSE_WAIT',
        'CLOSE_WAIT->LAST_ACK',
        'LAST_ACK->CLOSED',
      ]),
    );
  });

  test('pairs that are not edges are not counted', () => {
    const c = coverage([['CLOSED', 'ESTABLISHED', 'TIME_WAIT']]);
    expect(c.transitions.size).toBe(0);
    expect(c.states.size).toBe(3);
  });

  test('nothing in, nothing covered', () => {
    const c = coverage([]);
    expect(c.states.size).toBe(0);
    expect(c.transitions.size).toBe(0);
  });
});
