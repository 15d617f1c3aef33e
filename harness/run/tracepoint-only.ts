import type { State } from '../model/states.js';
import type { Timeline } from '../observe/types.js';
import { matchTimeline } from './verdict.js';

/**
 * What only the kernel tracepoint can judge. Without it (no root) an
 * endpoint's timeline comes from the wire and sock_diag, which see every
 * state that a segment, a call or a timer changes and that lasts until the
 * next one, but not a state the stack enters and leaves while it processes
 * one segment (fusion rule one-segment, docs/observers.md). On Linux that
 * happens where RFC 9293 takes one edge of Figure 5 on one segment and
 * Linux takes two: listed here. An expectation that names the state in
 * between cannot be judged without the tracepoint when the wire shows the
 * one segment taking the shortcut: the spec is `skipped`, with this reason.
 */
export const ONE_SEGMENT_SHORTCUTS: readonly { from: State; via: State; to: State; segment: string }[] = [
  // Figure 5 note 2; Linux passes FIN_WAIT2 before handing over to its timewait socket.
  { from: 'FIN_WAIT_1', via: 'FIN_WAIT_2', to: 'TIME_WAIT', segment: 'one FIN+ACK that acknowledged its FIN' },
];

/**
 * Why `expected` cannot be judged on `observed` without the tracepoint, or
 * undefined when it can (then a mismatch is a real `fail`). Only when the
 * expectation, without the states in between of shortcuts the wire saw,
 * matches exactly.
 */
export function needsTracepoint(endpoint: string, expected: readonly State[], observed: Timeline): string | undefined {
  const states = observed.map((o) => o.state);
  const tookShortcut = (from: State, to: State) => states.some((s, i) => s === from && states[i + 1] === to);
  const unjudged: string[] = [];
  const rest = expected.filter((s, i) => {
    const cut = ONE_SEGMENT_SHORTCUTS.find((c) => c.via === s && expected[i - 1] === c.from && expected[i + 1] === c.to && tookShortcut(c.from, c.to));
    if (cut) unjudged.push(`${endpoint}: the expected ${cut.via} between ${cut.from} and ${cut.to} lasted at most ${cut.segment} (the wire went ${cut.from} -> ${cut.to}); only the kernel tracepoint sees such a state`);
    return !cut;
  });
  if (unjudged.length === 0 || !matchTimeline(rest, observed).ok) return undefined;
  return unjudged.join('; ');
}

/**
 * Why an awaited `state` that never came cannot be judged without the
 * tracepoint: it is the state in between of a shortcut the wire saw the
 * endpoint take. Undefined otherwise (the timeout is then a real `fail`).
 */
export function awaitNeedsTracepoint(endpoint: string, state: State, observed: Timeline): string | undefined {
  const states = observed.map((o) => o.state);
  const cut = ONE_SEGMENT_SHORTCUTS.find((c) => c.via === state && states.some((s, i) => s === c.from && states[i + 1] === c.to));
  return cut
    ? `${endpoint}: the awaited ${cut.via} between ${cut.from} and ${cut.to} lasted at most ${cut.segment} (the wire went ${cut.from} -> ${cut.to}); only the kernel tracepoint sees such a state`
    : undefined;
}
