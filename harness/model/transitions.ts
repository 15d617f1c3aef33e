import { STATES, type State } from './states.js';

/**
 * RFC 9293 Figure 5 and its notes, as data. This is the oracle that decides
 * whether an expected (or observed) sequence of states is a legal path; it is
 * never the thing under test.
 *
 * Figure 5 is only a summary ("NOTA BENE: This diagram is only a summary"), so
 * each edge also lists the events from the event-processing rules of §3.10
 * that take it, and `ref` names the section that states it. RST and ABORT
 * edges, which the figure leaves out for legibility (note 3), are spelled out.
 *
 * Deliberately left out: note 3's "a RST can be sent from any state with a
 * corresponding transition to TIME-WAIT" (§3.5.2, a "should"). The stacks in
 * scope (Linux, lwIP) go to CLOSED when they send a RST, and an expected
 * `ESTABLISHED -> TIME_WAIT` is far more often a mistake in a spec than an
 * intent. Adding those edges later is a data change here.
 */
export interface Transition {
  from: State;
  to: State;
  /** Events that take this edge, as `event / action` in the figure's notation. */
  events: string[];
  /** Where RFC 9293 states it. */
  ref: string;
  /**
   * Whether a program using the BSD sockets API can make the stack take this
   * edge. False for edges the RFC's abstract interface has and sockets lack
   * (SEND on a listening TCB), which only the packet-level peer can exercise
   * against a stack that implements it.
   */
  socketsApi: boolean;
}

const RFC = 'RFC 9293';

export const TRANSITIONS: readonly Transition[] = [
  // CLOSED
  { from: 'CLOSED', to: 'LISTEN', events: ['passive OPEN / create TCB'], ref: `${RFC} §3.10.1`, socketsApi: true },
  { from: 'CLOSED', to: 'SYN_SENT', events: ['active OPEN / create TCB, snd SYN'], ref: `${RFC} §3.10.1`, socketsApi: true },

  // LISTEN
  { from: 'LISTEN', to: 'SYN_RCVD', events: ['rcv SYN / snd SYN,ACK'], ref: `${RFC} §3.10.7.2`, socketsApi: true },
  { from: 'LISTEN', to: 'SYN_SENT', events: ['SEND / snd SYN'], ref: `${RFC} §3.10.2`, socketsApi: false },
  {
    from: 'LISTEN',
    to: 'CLOSED',
    events: ['CLOSE / delete TCB', 'ABORT / delete TCB'],
    ref: `${RFC} §3.10.4, §3.10.5`,
    socketsApi: true,
  },

  // SYN_SENT
  {
    from: 'SYN_SENT',
    to: 'SYN_RCVD',
    events: ['rcv SYN / snd SYN,ACK (simultaneous open)'],
    ref: `${RFC} §3.10.7.3`,
    socketsApi: true,
  },
  { from: 'SYN_SENT', to: 'ESTABLISHED', events: ['rcv SYN,ACK / snd ACK'], ref: `${RFC} §3.10.7.3`, socketsApi: true },
  {
    from: 'SYN_SENT',
    to: 'CLOSED',
    events: ['CLOSE / delete TCB', 'rcv RST (acceptable ACK)', 'ABORT / delete TCB', 'user timeout'],
    ref: `${RFC} §3.10.4, §3.10.7.3, §3.10.5, §3.10.8`,
    socketsApi: true,
  },

  // SYN_RCVD
  { from: 'SYN_RCVD', to: 'ESTABLISHED', events: ['rcv ACK of SYN'], ref: `${RFC} §3.10.7.4`, socketsApi: true },
  { from: 'SYN_RCVD', to: 'FIN_WAIT_1', events: ['CLOSE / snd FIN'], ref: `${RFC} §3.10.4`, socketsApi: true },
  {
    // Note 1: only a connection that came from LISTEN goes back there. The
    // in-window SYN case is RFC 9293 erratum 8710 to the figure's label.
    from: 'SYN_RCVD',
    to: 'LISTEN',
    events: ['rcv RST (after passive OPEN)', 'rcv SYN (after passive OPEN)'],
    ref: `${RFC} §3.10.7.4, Figure 5 note 1`,
    socketsApi: true,
  },
  {
    from: 'SYN_RCVD',
    to: 'CLOSED',
    events: ['rcv RST (after active OPEN)', 'ABORT / snd RST', 'user timeout'],
    ref: `${RFC} §3.10.7.4, §3.10.5, §3.10.8`,
    socketsApi: true,
  },

  // ESTABLISHED
  { from: 'ESTABLISHED', to: 'FIN_WAIT_1', events: ['CLOSE / snd FIN'], ref: `${RFC} §3.10.4`, socketsApi: true },
  { from: 'ESTABLISHED', to: 'CLOSE_WAIT', events: ['rcv FIN / snd ACK'], ref: `${RFC} §3.10.7.4`, socketsApi: true },
  {
    from: 'ESTABLISHED',
    to: 'CLOSED',
    events: ['rcv RST', 'ABORT / snd RST', 'user timeout'],
    ref: `${RFC} §3.10.7.4, §3.10.5, §3.10.8`,
    socketsApi: true,
  },

  // FIN_WAIT_1
  { from: 'FIN_WAIT_1', to: 'FIN_WAIT_2', events: ['rcv ACK of FIN'], ref: `${RFC} §3.10.7.4`, socketsApi: true },
  { from: 'FIN_WAIT_1', to: 'CLOSING', events: ['rcv FIN / snd ACK'], ref: `${RFC} §3.10.7.4`, socketsApi: true },
  {
    // Note 2: one segment carries the peer's FIN and acknowledges ours.
    from: 'FIN_WAIT_1',
    to: 'TIME_WAIT',
    events: ['rcv FIN,ACK of FIN / snd ACK'],
    ref: `${RFC} §3.10.7.4, Figure 5 note 2`,
    socketsApi: true,
  },
  {
    from: 'FIN_WAIT_1',
    to: 'CLOSED',
    events: ['rcv RST', 'ABORT / snd RST', 'user timeout'],
    ref: `${RFC} §3.10.7.4, §3.10.5, §3.10.8`,
    socketsApi: true,
  },

  // FIN_WAIT_2
  { from: 'FIN_WAIT_2', to: 'TIME_WAIT', events: ['rcv FIN / snd ACK'], ref: `${RFC} §3.10.7.4`, socketsApi: true },
  {
    from: 'FIN_WAIT_2',
    to: 'CLOSED',
    events: ['rcv RST', 'ABORT / snd RST', 'user timeout'],
    ref: `${RFC} §3.10.7.4, §3.10.5, §3.10.8`,
    socketsApi: true,
  },

  // CLOSE_WAIT
  { from: 'CLOSE_WAIT', to: 'LAST_ACK', events: ['CLOSE / snd FIN'], ref: `${RFC} §3.10.4`, socketsApi: true },
  {
    from: 'CLOSE_WAIT',
    to: 'CLOSED',
    events: ['rcv RST', 'ABORT / snd RST', 'user timeout'],
    ref: `${RFC} §3.10.7.4, §3.10.5, §3.10.8`,
    socketsApi: true,
  },

  // CLOSING
  { from: 'CLOSING', to: 'TIME_WAIT', events: ['rcv ACK of FIN'], ref: `${RFC} §3.10.7.4`, socketsApi: true },
  {
    from: 'CLOSING',
    to: 'CLOSED',
    events: ['rcv RST', 'ABORT / delete TCB', 'user timeout'],
    ref: `${RFC} §3.10.7.4, §3.10.5, §3.10.8`,
    socketsApi: true,
  },

  // LAST_ACK
  {
    from: 'LAST_ACK',
    to: 'CLOSED',
    events: ['rcv ACK of FIN / delete TCB', 'rcv RST', 'ABORT / delete TCB', 'user timeout'],
    ref: `${RFC} §3.10.7.4, §3.10.5, §3.10.8`,
    socketsApi: true,
  },

  // TIME_WAIT
  {
    // A RST in TIME_WAIT ends it unless the stack protects against TIME-WAIT
    // assassination (RFC 1337; Linux net.ipv4.tcp_rfc1337=1).
    from: 'TIME_WAIT',
    to: 'CLOSED',
    events: ['timeout 2MSL / delete TCB', 'rcv RST', 'ABORT / delete TCB'],
    ref: `${RFC} §3.10.8, §3.10.7.4, §3.10.5`,
    socketsApi: true,
  },
];

/** The stable name of an edge, used in coverage reports: `FIN_WAIT_1->TIME_WAIT`. */
export function transitionId(from: State, to: State): string {
  return `${from}->${to}`;
}

const BY_ID: ReadonlyMap<string, Transition> = new Map(TRANSITIONS.map((t) => [transitionId(t.from, t.to), t]));

export function findTransition(from: State, to: State): Transition | undefined {
  return BY_ID.get(transitionId(from, to));
}

/** The states that may directly follow `from`, in the order of `STATES`. */
export function successors(from: State): State[] {
  return STATES.filter((to) => BY_ID.has(transitionId(from, to)));
}

export type PathCheck =
  | { ok: true }
  | {
      ok: false;
      /** Index of the list item that breaks the path (the `to` of a bad pair; 0 for a bad start). */
      index: number;
      from: State;
      to: State;
      /** `empty`, `start` (not CLOSED first), `repeat` (a state twice in a row) or `illegal` (no such edge). */
      code: 'empty' | 'start' | 'repeat' | 'illegal';
      reason: string;
    };

/**
 * What is wrong with the step `from -> to` of a path, if anything. A state
 * listed twice in a row is rejected: a path lists each visit once, and
 * matching would otherwise be ambiguous.
 */
export function stepProblem(from: State, to: State): { code: 'repeat' | 'illegal'; reason: string } | undefined {
  if (from === to) return { code: 'repeat', reason: `${to} is listed twice in a row; list each visit of a state once` };
  if (BY_ID.has(transitionId(from, to))) return undefined;
  return {
    code: 'illegal',
    reason: `RFC 9293 has no transition ${from} -> ${to}; after ${from} may come ${successors(from).join(', ')}`,
  };
}

/**
 * Whether `path` is a walk through Figure 5 that starts at CLOSED; the first
 * problem if not. For a bad start, `from` and `to` are both the first item
 * (or CLOSED for an empty path).
 */
export function checkPath(path: readonly State[]): PathCheck {
  const first = path[0];
  if (first === undefined) {
    return { ok: false, index: 0, from: 'CLOSED', to: 'CLOSED', code: 'empty', reason: 'the path is empty; it must start at CLOSED' };
  }
  if (first !== 'CLOSED') {
    return { ok: false, index: 0, from: first, to: first, code: 'start', reason: `the path starts at ${first}; it must start at CLOSED` };
  }
  for (let i = 1; i < path.length; i++) {
    const from = path[i - 1] as State;
    const to = path[i] as State;
    const problem = stepProblem(from, to);
    if (problem) return { ok: false, index: i, from, to, ...problem };
  }
  return { ok: true };
}

/**
 * The states and transitions a set of paths visits. Pairs that are not edges
 * of the figure are not counted: coverage is of the RFC's diagram.
 */
export function coverage(paths: readonly (readonly State[])[]): { states: Set<State>; transitions: Set<string> } {
  const states = new Set<State>();
  const transitions = new Set<string>();
  for (const path of paths) {
    path.forEach((s, i) => {
      states.add(s);
      const prev = i > 0 ? path[i - 1] : undefined;
      if (prev !== undefined && BY_ID.has(transitionId(prev, s))) transitions.add(transitionId(prev, s));
    });
  }
  return { states, transitions };
}
