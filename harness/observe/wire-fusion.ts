import { fromLinux, type State } from '../model/states.js';
import { isListener, isWildcard, norm, overlaps, SNAPSHOT_SLACK_US } from './fusion.js';
import type { EndpointContext, ObservedState, SockDiagSnapshot, SockDiagSocket, Timeline } from './types.js';

/**
 * Fusion without the kernel tracepoint (a run without root): an endpoint's
 * timeline is the one wire inference gives, checked and completed with what
 * sock_diag showed in the endpoint's namespace. Pure: no I/O, no clock.
 *
 * The wire sees every state change a segment or a call causes. What it
 * cannot see is what the stack does without sending anything, and there
 * sock_diag speaks (docs/observers.md, "Without root"):
 *
 * - `ss-confirmed`: an entry whose state `ss` showed for the connection (or
 *   the listener) while the entry held gets `sock_diag` among its sources.
 * - `gone`: the connection's socket, shown by `ss` in the timeline's last
 *   state, is missing from a later snapshot: the stack closed it without a
 *   segment (a timer: TIME_WAIT's or an orphaned FIN_WAIT_2's end, SYN
 *   retries exhausted). CLOSED, from sock_diag (note `timewait-gone` for a
 *   timewait socket, `gone` otherwise). A request socket (server in
 *   SYN_RCVD after LISTEN) that goes while the listener stays means the
 *   server is back in LISTEN (note `synrecv-request-gone`).
 * - `rst-ignored`: the wire ends the connection on a RST that RFC 9293 would
 *   accept, and a snapshot taken after that RST still shows the connection
 *   in its previous state: the stack ignored the RST (RFC 1337 protection
 *   of TIME_WAIT, Linux `tcp_rfc1337=1`). The CLOSED entry is removed.
 */

export interface WireFusionInput {
  endpoints: EndpointContext[];
  /** Wire inference's timeline of each endpoint. */
  wire: Record<string, Timeline>;
  snapshots: SockDiagSnapshot[];
}

export function fuseWithoutTracepoint(input: WireFusionInput): Record<string, Timeline> {
  const out: Record<string, Timeline> = {};
  for (const e of input.endpoints) {
    const snaps = input.snapshots.filter((s) => s.endpoint === e.name).sort((x, y) => x.t - y.t);
    const entries = (input.wire[e.name] ?? []).map((o) => ({ ...o, sources: [...o.sources], notes: o.notes ? [...o.notes] : [] }));
    rstIgnored(e, entries, snaps);
    gone(e, entries, snaps);
    confirm(e, entries, snaps);
    out[e.name] = entries.map(({ notes, ...o }) => (notes.length ? { ...o, notes } : o));
  }
  return out;
}

type Entry = ObservedState & { notes: string[] };

/** A socket of endpoint E's connection: its client socket, or the server's request or child. */
function isConn(e: EndpointContext, s: SockDiagSocket): boolean {
  if (e.role === 'client') return norm(s.local.addr) === norm(e.addr) && s.peer.port === e.port;
  return s.local.port === e.port && s.peer.port !== 0 && (norm(s.local.addr) === norm(e.addr) || isWildcard(s.local.addr));
}

function connState(e: EndpointContext, snap: SockDiagSnapshot): State | undefined {
  const s = snap.sockets.find((x) => isConn(e, x));
  return s ? fromLinux(s.state) : undefined;
}

function rstIgnored(e: EndpointContext, entries: Entry[], snaps: SockDiagSnapshot[]): void {
  const last = entries.at(-1);
  const before = entries.at(-2);
  if (!last || !before || last.state !== 'CLOSED' || before.state === 'LISTEN' || before.state === 'CLOSED') return;
  // A snapshot begun after the RST was written into the endpoint reflects it.
  if (snaps.some((s) => s.t > last.t && connState(e, s) === before.state)) {
    entries.pop();
    before.notes.push('rst-ignored');
  }
}

function gone(e: EndpointContext, entries: Entry[], snaps: SockDiagSnapshot[]): void {
  const last = entries.at(-1);
  if (!last || last.state === 'CLOSED' || last.state === 'LISTEN') return;
  const seenAt = snaps.filter((s) => s.t >= last.t - SNAPSHOT_SLACK_US && connState(e, s) === last.state).at(-1);
  if (!seenAt) return;
  const missing = snaps.find((s) => s.t > seenAt.t && !s.sockets.some((x) => isConn(e, x)));
  if (!missing) return;
  const t = Math.max(missing.t, last.t);
  const passive = entries.at(-2)?.state === 'LISTEN';
  if (last.state === 'SYN_RCVD' && passive && missing.sockets.some((x) => isListener(e, x))) {
    entries.push({ state: 'LISTEN', t, sources: ['sock_diag'], notes: ['synrecv-request-gone'] });
    return;
  }
  const timewait = last.state === 'TIME_WAIT' || last.state === 'FIN_WAIT_2';
  entries.push({ state: 'CLOSED', t, sources: ['sock_diag'], notes: [timewait ? 'timewait-gone' : 'gone'] });
}

function confirm(e: EndpointContext, entries: Entry[], snaps: SockDiagSnapshot[]): void {
  entries.forEach((entry, i) => {
    if (entry.sources.includes('sock_diag')) return;
    const end = entries[i + 1]?.t ?? Infinity;
    const seen = snaps.some((snap) => {
      if (!overlaps(entry.t, end, snap.t, snap.tEnd)) return false;
      if (entry.state === 'LISTEN') return !snap.sockets.some((x) => isConn(e, x)) && snap.sockets.some((x) => isListener(e, x));
      return connState(e, snap) === entry.state;
    });
    if (seen) entry.sources.push('sock_diag');
  });
}
