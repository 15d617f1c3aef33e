import type { State } from '../model/states.js';
import type { Action, Pos, SegmentTemplate, Step } from '../spec/types.js';

/**
 * How the matrix brings the endpoint under test (`t`) into each state: the
 * harness plays the other end (`p`) segment by segment, and the target is
 * driven through its control channel. Each prefix ends with the target in
 * the state, confirmed by the observers, and says the sequence numbers the
 * segment under test is placed against.
 */

/** The endpoint under test and the harness's own, in every matrix spec. */
export const TARGET = 't';
export const PEER = 'p';

export interface Prefix {
  state: State;
  /** The role the target plays; the peer plays the other. */
  role: 'client' | 'server';
  steps: Step[];
  /** The target's states from the start, ending with `state`. */
  states: State[];
  /** The target's RCV.NXT, relative to the peer's ISN (undefined before the peer's SYN). */
  rcvNxt?: number;
  /** The target's SND.NXT, relative to its ISN (undefined before its SYN). */
  sndNxt?: number;
  /** Segments the peer sends in the prefix (the next one is the segment under test). */
  peerSends: number;
}

const pos: Pos = { line: 0, col: 0 };

function act(endpoint: string, action: Action): Step {
  return { kind: 'action', endpoint, action, pos };
}
const t = (action: Action): Step => act(TARGET, action);
const send = (segment: SegmentTemplate): Step => act(PEER, { op: 'send-segment', segment });
const expectSeg = (segment: SegmentTemplate): Step => act(PEER, { op: 'expect-segment', segment, withinMs: 3000 });
const awaitState = (state: State): Step => ({ kind: 'await', states: { [TARGET]: state }, pos });

function extend(base: Prefix, state: State, steps: Step[], more: Partial<Prefix>): Prefix {
  return { ...base, ...more, state, steps: [...base.steps, ...steps, awaitState(state)], states: [...base.states, state] };
}

function build(): Record<State, Prefix> {
  const closed: Prefix = { state: 'CLOSED', role: 'server', steps: [], states: ['CLOSED'], peerSends: 0 };
  const listen = extend(closed, 'LISTEN', [t({ op: 'listen' })], {});
  const synRcvd = extend(listen, 'SYN_RCVD', [send({ flags: ['SYN'] }), expectSeg({ flags: ['SYN', 'ACK'], ack: 1 })], { rcvNxt: 1, sndNxt: 1, peerSends: 1 });
  const established = extend(synRcvd, 'ESTABLISHED', [send({ flags: ['ACK'] }), t({ op: 'accept' })], { peerSends: 2 });
  const closeWait = extend(established, 'CLOSE_WAIT', [send({ flags: ['FIN', 'ACK'] }), expectSeg({ flags: ['ACK'], ack: 2 })], { rcvNxt: 2, peerSends: 3 });
  const lastAck = extend(closeWait, 'LAST_ACK', [t({ op: 'close' }), expectSeg({ flags: ['FIN', 'ACK'], seq: 1 })], { sndNxt: 2 });
  // shutdown(SHUT_WR) rather than close: the socket stays a full one with an
  // application behind it (a closed FIN_WAIT_2 becomes a timewait socket on Linux).
  const finWait1 = extend(established, 'FIN_WAIT_1', [t({ op: 'shutdown', how: 'write' }), expectSeg({ flags: ['FIN', 'ACK'], seq: 1 })], { sndNxt: 2 });
  const finWait2 = extend(finWait1, 'FIN_WAIT_2', [send({ flags: ['ACK'] })], { peerSends: 3 });
  // The peer's FIN acknowledges the SYN only, not the target's FIN: a simultaneous close.
  const closing = extend(finWait1, 'CLOSING', [send({ flags: ['FIN', 'ACK'], ack: 1 }), expectSeg({ flags: ['ACK'], ack: 2 })], { rcvNxt: 2, peerSends: 3 });
  const timeWait = extend(finWait2, 'TIME_WAIT', [send({ flags: ['FIN', 'ACK'] }), expectSeg({ flags: ['ACK'], ack: 2 })], { rcvNxt: 2, peerSends: 4 });
  const synSent: Prefix = {
    state: 'SYN_SENT',
    role: 'client',
    steps: [t({ op: 'connect' }), expectSeg({ flags: ['SYN'], seq: 0 }), awaitState('SYN_SENT')],
    states: ['CLOSED', 'SYN_SENT'],
    sndNxt: 1,
    peerSends: 0,
  };
  return {
    CLOSED: closed,
    LISTEN: listen,
    SYN_SENT: synSent,
    SYN_RCVD: synRcvd,
    ESTABLISHED: established,
    FIN_WAIT_1: finWait1,
    FIN_WAIT_2: finWait2,
    CLOSE_WAIT: closeWait,
    CLOSING: closing,
    LAST_ACK: lastAck,
    TIME_WAIT: timeWait,
  };
}

export const PREFIXES: Readonly<Record<State, Prefix>> = build();
