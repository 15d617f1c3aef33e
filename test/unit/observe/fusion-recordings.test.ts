import { fuse } from '../../../harness/observe/fusion.js';
import type { ObservedState, ObserverName, Timeline } from '../../../harness/observe/types.js';
import type { State } from '../../../harness/model/states.js';
import { ENDPOINTS, RECORDING_NAMES, type RecordingName, snapshots, traceEvents } from './recordings.js';

/**
 * Fusion of the real recordings (test/fixtures/recordings/): the exact
 * timelines of both endpoints. a = client 198.18.0.1, b = server
 * 198.18.0.2:20000. Times are the recordings' CLOCK_MONOTONIC µs.
 */

const TP: ObserverName[] = ['tracepoint'];
const SD: ObserverName[] = ['sock_diag'];
const BOTH: ObserverName[] = ['tracepoint', 'sock_diag'];

function s(state: State, t: number, sources: ObserverName[], extra: Partial<ObservedState> = {}): ObservedState {
  return { state, t, sources, ...extra };
}

const EXPECTED: Record<RecordingName, { a: Timeline; b: Timeline }> = {
  // Server shuts down its write side, later closes (in FIN_WAIT_2: the
  // FIN_WAIT2->FIN_WAIT2 self-transition, then the handover to a FIN-WAIT-2
  // timewait socket); the client's FIN makes it TIME-WAIT, seen only by ss.
  'passive-close-first': {
    a: [
      s('CLOSED', 262360823, TP),
      s('SYN_SENT', 262360823, TP),
      s('ESTABLISHED', 262361059, BOTH),
      s('CLOSE_WAIT', 262661362, BOTH),
      s('LAST_ACK', 263261347, TP),
      s('CLOSED', 263261416, TP),
    ],
    b: [
      s('CLOSED', 262154877, TP),
      // The only snapshot near LISTEN already shows the child: not a confirmation.
      s('LISTEN', 262154877, TP),
      s('SYN_RCVD', 262361069, TP, { notes: ['synrecv-child'] }),
      s('ESTABLISHED', 262361075, BOTH),
      s('FIN_WAIT_1', 262661328, TP),
      s('FIN_WAIT_2', 262664087, BOTH, { notes: ['fin-wait-2-timewait'] }),
      s('TIME_WAIT', 263320000, SD, { notes: ['timewait-handover'] }),
    ],
  },
  // Client closes first: on the ACK of its FIN the orphan goes FIN_WAIT1 ->
  // FIN_WAIT2 -> CLOSE 7 µs apart in ksoftirqd, like a FIN+ACK would; ss shows
  // FIN-WAIT-2 with a timewait timer (4.980ms = 4.980 s, tcp_fin_timeout=5),
  // so FIN_WAIT_2 is not transient. TIME-WAIT after the server's close.
  'client-first-close': {
    a: [
      s('CLOSED', 1456118135, TP),
      s('SYN_SENT', 1456118135, TP),
      s('ESTABLISHED', 1456118207, BOTH),
      s('FIN_WAIT_1', 1456418831, TP),
      s('FIN_WAIT_2', 1456424215, BOTH, { notes: ['fin-wait-2-timewait'] }),
      s('TIME_WAIT', 1457927654, SD, { notes: ['timewait-handover'] }),
    ],
    b: [
      s('CLOSED', 1455917648, TP),
      s('LISTEN', 1455917648, BOTH),
      s('SYN_RCVD', 1456118214, TP, { notes: ['synrecv-child'] }),
      s('ESTABLISHED', 1456118220, BOTH),
      s('CLOSE_WAIT', 1456418864, BOTH),
      s('LAST_ACK', 1457919299, TP),
      s('CLOSED', 1457919432, TP),
    ],
  },
  // Client shutdown(SHUT_WR): its full socket waits in FIN_WAIT_2; the server's
  // FIN hands it over straight to TIME_WAIT (the first timewait socket ss shows
  // is TIME-WAIT), so the handover event is the TIME_WAIT entry.
  'half-close': {
    a: [
      s('CLOSED', 1459097200, TP),
      s('SYN_SENT', 1459097200, TP),
      s('ESTABLISHED', 1459097372, BOTH),
      s('FIN_WAIT_1', 1459397916, TP),
      s('FIN_WAIT_2', 1459404087, BOTH),
      s('TIME_WAIT', 1459999001, BOTH, { notes: ['timewait-handover'] }),
    ],
    b: [
      s('CLOSED', 1458896729, TP),
      s('LISTEN', 1458896729, BOTH),
      s('SYN_RCVD', 1459097381, TP, { notes: ['synrecv-child'] }),
      s('ESTABLISHED', 1459097388, BOTH),
      s('CLOSE_WAIT', 1459397950, BOTH),
      s('LAST_ACK', 1459998952, TP),
      s('CLOSED', 1459999015, TP),
    ],
  },
  // The same with tcp_max_tw_buckets=0 in a's namespace: no timewait socket.
  'half-close-no-timewait': {
    a: [
      s('CLOSED', 1461384184, TP),
      s('SYN_SENT', 1461384184, TP),
      s('ESTABLISHED', 1461384262, BOTH),
      s('FIN_WAIT_1', 1461684699, TP),
      s('FIN_WAIT_2', 1461688101, BOTH),
      s('CLOSED', 1462285644, TP, { notes: ['timewait-unseen'] }),
    ],
    b: [
      s('CLOSED', 1461183364, TP),
      s('LISTEN', 1461183364, BOTH),
      s('SYN_RCVD', 1461384270, TP, { notes: ['synrecv-child'] }),
      s('ESTABLISHED', 1461384277, BOTH),
      s('CLOSE_WAIT', 1461684729, BOTH),
      s('LAST_ACK', 1462285599, TP),
      s('CLOSED', 1462285659, TP),
    ],
  },
  // Every packet from a held 300 ms by the relay: the server's request socket
  // is SYN-RECV in ss from 1464076833 on; the child appears 273 ms later.
  'handshake-syn-recv': {
    a: [
      s('CLOSED', 1463749514, TP),
      s('SYN_SENT', 1463749514, BOTH),
      s('ESTABLISHED', 1464050025, BOTH),
      s('FIN_WAIT_1', 1464650657, BOTH),
      s('FIN_WAIT_2', 1464952101, BOTH, { notes: ['fin-wait-2-timewait'] }),
      s('TIME_WAIT', 1465447400, SD, { notes: ['timewait-handover'] }),
    ],
    b: [
      s('CLOSED', 1463549143, TP),
      s('LISTEN', 1463549143, BOTH),
      s('SYN_RCVD', 1464076833, BOTH, { notes: ['synrecv-child'] }),
      s('ESTABLISHED', 1464350267, BOTH),
      s('CLOSE_WAIT', 1464950919, BOTH),
      s('LAST_ACK', 1465452209, BOTH),
      s('CLOSED', 1465753137, TP),
    ],
  },
  // a's pure ACKs dropped: the request socket never becomes a child, is
  // dropped after one SYN-ACK retransmission (tcp_synack_retries=1), and the
  // client's FIN later meets the listener, which answers RST.
  'handshake-final-ack-lost': {
    a: [
      s('CLOSED', 1467209057, TP),
      s('SYN_SENT', 1467209057, TP),
      s('ESTABLISHED', 1467209392, BOTH),
      s('FIN_WAIT_1', 1470809811, TP),
      s('CLOSED', 1470810073, TP),
    ],
    b: [
      s('CLOSED', 1467008569, TP),
      s('LISTEN', 1467008569, BOTH),
      s('SYN_RCVD', 1467212568, SD, { notes: ['synrecv-request'] }),
      s('LISTEN', 1470243680, SD, { notes: ['synrecv-request-gone'] }),
      s('CLOSED', 1471110313, TP),
    ],
  },
  // AF_INET6 sockets with v4-mapped addresses, server bound to ::; both
  // directions delayed 100 ms, both close at once: FINs cross, both CLOSING,
  // then CLOSING->CLOSE is the entry into TIME_WAIT.
  'simultaneous-close': {
    a: [
      s('CLOSED', 1472119661, TP),
      s('SYN_SENT', 1472119661, TP),
      s('ESTABLISHED', 1472119819, BOTH),
      s('FIN_WAIT_1', 1472520412, BOTH),
      s('CLOSING', 1472620866, BOTH),
      s('TIME_WAIT', 1472721208, BOTH, { notes: ['timewait-handover'] }),
    ],
    b: [
      s('CLOSED', 1471918030, TP),
      s('LISTEN', 1471918030, BOTH),
      s('SYN_RCVD', 1472119851, TP, { notes: ['synrecv-child'] }),
      s('ESTABLISHED', 1472119859, BOTH),
      s('FIN_WAIT_1', 1472520412, BOTH),
      s('CLOSING', 1472620847, BOTH),
      s('TIME_WAIT', 1472721182, BOTH, { notes: ['timewait-handover'] }),
    ],
  },
  // b's pure ACKs dropped, so b's FIN acknowledges a's FIN: a passes
  // FIN_WAIT_2 for 11 µs inside that one segment (RFC: FIN_WAIT_1 -> TIME_WAIT).
  'fin-ack-in-fin-wait-1': {
    a: [
      s('CLOSED', 1474112706, TP),
      s('SYN_SENT', 1474112706, TP),
      s('ESTABLISHED', 1474112895, BOTH),
      s('FIN_WAIT_1', 1474513748, BOTH),
      s('FIN_WAIT_2', 1474544398, TP, { transient: true, notes: ['one-segment'] }),
      s('TIME_WAIT', 1474544409, BOTH, { notes: ['timewait-handover'] }),
    ],
    b: [
      s('CLOSED', 1473912162, TP),
      s('LISTEN', 1473912162, BOTH),
      s('SYN_RCVD', 1474113008, TP, { notes: ['synrecv-child'] }),
      s('ESTABLISHED', 1474113016, BOTH),
      s('CLOSE_WAIT', 1474513992, BOTH),
      s('LAST_ACK', 1474544230, TP),
      s('CLOSED', 1474544439, TP),
    ],
  },
};

describe('fusion of the recordings', () => {
  it.each(RECORDING_NAMES)('%s', (name) => {
    const timelines = fuse({ endpoints: ENDPOINTS, trace: traceEvents(name), snapshots: snapshots(name) });
    expect(timelines).toEqual(EXPECTED[name]);
  });

  it.each(RECORDING_NAMES)('%s: times never go backwards', (name) => {
    const timelines = fuse({ endpoints: ENDPOINTS, trace: traceEvents(name), snapshots: snapshots(name) });
    for (const tl of Object.values(timelines)) {
      tl.forEach((o, i) => expect(o.t).toBeGreaterThanOrEqual(tl[i - 1]?.t ?? 0));
    }
  });

  it.each(RECORDING_NAMES)('%s: the result does not depend on input order', (name) => {
    const trace = traceEvents(name);
    const snaps = snapshots(name);
    const forward = fuse({ endpoints: ENDPOINTS, trace, snapshots: snaps });
    const reversed = fuse({
      endpoints: [...ENDPOINTS].reverse(),
      trace: [...trace].reverse(),
      snapshots: [...snaps].reverse(),
    });
    expect(reversed).toEqual(forward);
  });
});
