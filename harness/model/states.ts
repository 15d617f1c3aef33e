/**
 * The eleven connection states of RFC 9293 §3.3.2, spelled as the RFC's
 * Figure 5 does (with underscores). One union shared by specs, code and
 * reports.
 */
export const STATES = [
  'CLOSED',
  'LISTEN',
  'SYN_SENT',
  'SYN_RCVD',
  'ESTABLISHED',
  'FIN_WAIT_1',
  'FIN_WAIT_2',
  'CLOSE_WAIT',
  'CLOSING',
  'LAST_ACK',
  'TIME_WAIT',
] as const;

export type State = (typeof STATES)[number];

const STATE_SET: ReadonlySet<string> = new Set(STATES);

export function isState(name: string): name is State {
  return STATE_SET.has(name);
}

/**
 * Linux's names for its socket states, as the `sock:inet_sock_set_state`
 * tracepoint prints them (without the `TCP_` prefix) and as `ss` prints them.
 * NEW_SYN_RECV is Linux's request socket: a connection in SYN_RCVD that has no
 * full socket yet.
 */
const LINUX_TO_RFC: Record<string, State> = {
  ESTABLISHED: 'ESTABLISHED',
  SYN_SENT: 'SYN_SENT',
  SYN_RECV: 'SYN_RCVD',
  NEW_SYN_RECV: 'SYN_RCVD',
  FIN_WAIT1: 'FIN_WAIT_1',
  FIN_WAIT2: 'FIN_WAIT_2',
  TIME_WAIT: 'TIME_WAIT',
  CLOSE: 'CLOSED',
  CLOSE_WAIT: 'CLOSE_WAIT',
  LAST_ACK: 'LAST_ACK',
  LISTEN: 'LISTEN',
  CLOSING: 'CLOSING',
  // ss spellings
  'SYN-SENT': 'SYN_SENT',
  'SYN-RECV': 'SYN_RCVD',
  'FIN-WAIT-1': 'FIN_WAIT_1',
  'FIN-WAIT-2': 'FIN_WAIT_2',
  'TIME-WAIT': 'TIME_WAIT',
  UNCONN: 'CLOSED',
  'CLOSE-WAIT': 'CLOSE_WAIT',
  'LAST-ACK': 'LAST_ACK',
  ESTAB: 'ESTABLISHED',
};

/** Maps a Linux state name (tracepoint `TCP_X`, bare `X`, or `ss` spelling) to the RFC's. */
export function fromLinux(name: string): State | undefined {
  const bare = name.startsWith('TCP_') ? name.slice(4) : name;
  return LINUX_TO_RFC[bare];
}
