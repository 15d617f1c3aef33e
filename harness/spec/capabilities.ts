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
} as const;

export type Behaviour = keyof typeof BEHAVIOURS;
export const BEHAVIOUR_NAMES = Object.keys(BEHAVIOURS) as Behaviour[];

/**
 * A server that cannot be driven still listens and accepts by itself (that is
 * how it becomes ready), so the steps `listen` and `accept` need nothing from
 * it; every other step is something only a driven target can do.
 */
export const UNDRIVEN_SERVER_OPS: ReadonlySet<string> = new Set(['listen', 'accept']);

/**
 * A server that listens by itself cannot stay closed: a spec whose server
 * endpoint never listens (a connection refused) needs one that is told when
 * to listen.
 */
export const STAYS_CLOSED = 'stays-closed';

/**
 * A spec whose server has a connection, whose client sends or closes, and
 * which names no behaviour for the server, expects the server to do nothing
 * it is not told (e.g. stay in CLOSE_WAIT): only a driven target does that.
 */
export const QUIET = 'quiet';

/** Client actions that set off what an undriven server does by itself. */
export const PROVOKING_OPS: ReadonlySet<string> = new Set(['send', 'close', 'shutdown', 'abort']);
