import { kindFlags, react, type Position, type Profile, type Reaction, type SegmentKind } from '../model/reaction.js';
import type { State } from '../model/states.js';
import type { SegmentTemplate, Spec } from '../spec/types.js';
import { PEER, PREFIXES, TARGET, type Prefix } from './prefix.js';

/**
 * One cell of the matrix as a spec the executor runs: the prefix that brings
 * the target into the state, the segment under test, and a quiet spell in
 * which the target's reaction reaches the wire. The expected states are the
 * prefix's and the oracle's; segments are judged afterwards (judge.ts).
 */

export interface Cell {
  id: string;
  state: State;
  kind: SegmentKind;
  position: Position;
  prefix: Prefix;
  reaction: Reaction;
  segment: SegmentTemplate;
}

/** Payload of the data kinds. */
export const DATA_BYTES = 100;
/** Past RCV.NXT but well inside any receive window a handshake without window scaling opens (at most 65535). */
export const IN_WINDOW_OFFSET = 1000;
/** Beyond any receive window (the largest, with window scaling, is 2^30). */
export const OUT_OF_WINDOW_OFFSET = 2 ** 30 + 2 ** 20;
/** An acknowledgment of data the target never sent. */
export const UNSENT_ACK_OFFSET = 1000;
/** How long the target's wire must stay silent after the segment under test (and its expected replies). */
export const QUIET_MS = 200;
/**
 * The same for a userspace stack: longer than the coarse timer that sends
 * its delayed ACKs (lwIP's runs every 250 ms), so that an ACK of data the
 * stack took in is seen every time, not only when the timer happens to fire
 * within 200 ms.
 */
export const QUIET_USERSPACE_MS = 300;
/** How long the replies the oracle expects are awaited before the quiet spell starts. */
export const REPLY_WITHIN_MS = 1000;

export function cellId(state: State, kind: SegmentKind, position: Position): string {
  return `matrix.${state}.${kind}.${position}`;
}

export function makeCell(state: State, kind: SegmentKind, position: Position, profile: Profile): Cell {
  const prefix = PREFIXES[state];
  return { id: cellId(state, kind, position), state, kind, position, prefix, reaction: react(state, kind, position, profile), segment: segmentFor(prefix, kind, position) };
}

/** The segment under test, in the peer's sequence space (numbers relative to the ISNs). */
export function segmentFor(prefix: Prefix, kind: SegmentKind, position: Position): SegmentTemplate {
  const f = kindFlags(kind);
  const flags = (['SYN', 'FIN', 'RST', 'ACK'] as const).filter((n) => f[n.toLowerCase() as 'syn' | 'fin' | 'rst' | 'ack']);
  const t: SegmentTemplate = { flags: [...flags] };
  if (f.data) t.len = DATA_BYTES;
  const rcvNxt = prefix.rcvNxt;
  if (rcvNxt !== undefined) {
    if (position === 'exact' || position === 'ack-unacceptable') t.seq = rcvNxt;
    else if (position === 'in-window') t.seq = rcvNxt + IN_WINDOW_OFFSET;
    else if (position === 'out-of-window') t.seq = rcvNxt + OUT_OF_WINDOW_OFFSET;
  }
  if (position === 'ack-unacceptable') t.ack = (prefix.sndNxt ?? 1) + UNSENT_ACK_OFFSET;
  return t;
}

export function cellSpec(cell: Cell, quietMs: number = QUIET_MS): Spec {
  const pos = { line: 0, col: 0 };
  const other = cell.prefix.role === 'server' ? 'client' : 'server';
  return {
    id: cell.id,
    title: `${cell.kind} (${cell.position}) in ${cell.state}`,
    refs: [...new Set(cell.reaction.cites.map((c) => `RFC 9293 §${c.section}`))],
    file: '',
    endpoints: { [TARGET]: { role: cell.prefix.role }, [PEER]: { role: other, peer: true } },
    steps: [
      ...cell.prefix.steps,
      { kind: 'action', endpoint: PEER, action: { op: 'send-segment', segment: cell.segment }, pos },
      {
        kind: 'action',
        endpoint: PEER,
        action: { op: 'quiet', ms: quietMs, segments: cell.reaction.send.filter((r) => !r.optional).length, withinMs: REPLY_WITHIN_MS },
        pos,
      },
    ],
    sysctls: {},
    timers: {},
    wire: [],
    // The peer's own states are wire inference of segments it made up: not judged.
    expect: { [TARGET]: [...cell.prefix.states, ...cell.reaction.path] },
    pos,
  };
}
