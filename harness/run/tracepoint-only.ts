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

type Shortcut = (typeof ONE_SEGMENT_SHORTCUTS)[number];

/** A shortcut through `via` (and meeting `also`) that the wire saw the endpoint take, if any. */
function shortcutThrough(via: State, observed: Timeline, also: (c: Shortcut) => boolean = () => true): Shortcut | undefined {
  const states = observed.map((o) => o.state);
  return ONE_SEGMENT_SHORTCUTS.find((c) => c.via === via && also(c) && states.some((s, i) => s === c.from && states[i + 1] === c.to));
}

function unseen(endpoint: string, what: 'expected' | 'awaited', cut: Shortcut): string {
  return `${endpoint}: the ${what} ${cut.via} between ${cut.from} and ${cut.to} lasted at most ${cut.segment} (the wire went ${cut.from} -> ${cut.to}); only the kernel tracepoint sees such a state`;
}

/**
 * Why `expected` cannot be judged on `observed` without the tracepoint, or
 * undefined when it can (then a mismatch is a real `fail`). Only when the
 * expectation, without the states in between of shortcuts the wire saw,
 * matches exactly.
 */
export function needsTracepoint(endpoint: string, expected: readonly State[], observed: Timeline): string | undefined {
  const unjudged: string[] = [];
  const rest = expected.filter((s, i) => {
    const cut = shortcutThrough(s, observed, (c) => expected[i - 1] === c.from && expected[i + 1] === c.to);
    if (cut) unjudged.push(unseen(endpoint, 'expected', cut));
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
  const cut = shortcutThrough(state, observed);
  return cut ? unseen(endpoint, 'awaited', cut) : undefined;
}
