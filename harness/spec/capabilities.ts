/**
 * What a target can do, by name (docs/targets.md "Capabilities"). A spec
 * needs capabilities from each endpoint (the actions its steps take there,
 * plus the behaviours it declares); a target that lacks one makes the spec
 * not applicable to it.
 */

/** Operations the harness asks for through the control protocol. */
export const DRIVEN_OPS = ['listen', 'accept', 'connect', 'send', 'recv', 'shutdown', 'close', 'close-listener', 'abort'] as const;

/**
 * What a server does by itself, without being driven: what a target file
 * may declare, and what a spec may need.
 */
export const BEHAVIOURS = {
  'answers-http': 'answers an HTTP/1.0 request with a response',
  'closes-after-response': 'closes its side of the connection once it has answered a request',
  'closes-on-eof': 'closes its side of the connection when the other side has closed its own',
  echoes: 'sends back every byte it receives',
  'requests-http': 'a client: sends an HTTP/1.0 request as soon as it is connected, and reads the response to its end',
} as const;

export type Behaviour = keyof typeof BEHAVIOURS;
export const BEHAVIOUR_NAMES = Object.keys(BEHAVIOURS) as Behaviour[];

/**
 * A server that cannot be driven still listens and accepts by itself (that is
 * how it becomes ready), so the steps `listen` and `accept` need nothing from
 * it; every other step is something only a driven target can do.
 */
export const UNDRIVEN_SERVER_OPS: ReadonlySet<string> = new Set(['listen', 'accept']);

/** A client that cannot be driven is started at the spec's `connect` step, and connects by itself. */
export const UNDRIVEN_CLIENT_OPS: ReadonlySet<string> = new Set(['connect']);

/**
 * A server that listens by itself cannot stay closed: a spec whose server
 * endpoint never listens (a connection refused) needs one that is told when
 * to listen.
 */
export const STAYS_CLOSED = 'stays-closed';

/**
 * A spec in which an endpoint has a connection and the other endpoint sends
 * or closes (for a client: in which it has a connection at all), and which
 * names no behaviour for it, expects it to do nothing it is not told (e.g.
 * stay in CLOSE_WAIT): only a driven target does that.
 */
export const QUIET = 'quiet';

/** Actions that set off what an undriven program at the other end does by itself. */
export const PROVOKING_OPS: ReadonlySet<string> = new Set(['send', 'close', 'shutdown', 'abort']);
