import type { State } from '../model/states.js';
import type { Behaviour } from './capabilities.js';
import type { Role } from './schema.js';

/**
 * A spec as the rest of the harness sees it: validated, normalized (every
 * action is an `{ op }` object), with source positions kept for messages that
 * come later (a failed await points at its step).
 *
 * New features arrive as new optional fields and new union members (`wire`,
 * `capabilities`, an `ExpectItem` richer than a bare state), so code written
 * against this version keeps compiling.
 */

/** 1-based line and column in the spec file. */
export interface Pos {
  line: number;
  col: number;
}

export type Action =
  | { op: 'listen' }
  | { op: 'connect' }
  | { op: 'accept' }
  /** bytes: that many filler bytes; data: this text, UTF-8 (e.g. an HTTP request). */
  | { op: 'send'; bytes: number; data?: string }
  | { op: 'recv'; bytes?: number; untilEof?: boolean }
  | { op: 'shutdown'; how: 'read' | 'write' | 'both' }
  | { op: 'close' }
  | { op: 'close-listener' }
  | { op: 'abort' }
  /** Peer endpoints only: the harness sends a segment of its making. */
  | { op: 'send-segment'; segment: SegmentTemplate }
  /** Peer endpoints only: the next segment from the other endpoint must match. */
  | { op: 'expect-segment'; segment: SegmentTemplate; withinMs?: number }
  /**
   * Peer endpoints only, made by the matrix (no YAML form): waits for
   * `segments` more segments from the other endpoint (at most `withinMs`),
   * then until it has sent nothing for `ms` (at most 4 x `ms`), so that its
   * whole reaction to the last segment is on the wire.
   */
  | { op: 'quiet'; ms: number; segments?: number; withinMs?: number };

/**
 * A partial segment, as the peer sends it (unset fields take the values the
 * connection implies) or expects it (unset fields match anything). seq and
 * ack are relative: to the sender's and the receiver's initial sequence
 * numbers, as results and Wireshark show them.
 */
export interface SegmentTemplate {
  flags?: string[];
  seq?: number;
  ack?: number;
  window?: number;
  /** Payload length (send: bytes to send). */
  len?: number;
  /** The MSS option (send: add it; expect: require it). */
  mss?: number;
}

/**
 * Which segments a wire rule applies to. `flags` compares SYN, FIN, RST and
 * ACK exactly and requires any other flag it names (PSH, URG, ECE, CWR).
 */
export interface SegmentMatch {
  from: string;
  /** Normalized flag names, e.g. ['FIN', 'ACK']. */
  flags?: string[];
  /** true: only segments with payload; false: only segments without. */
  data?: boolean;
  /** Only the nth matching segment (from 1), counted from when the rule starts. */
  nth?: number;
  /** At most this many segments (after nth, if given). */
  count?: number;
}

export type WireAction = 'hold' | 'drop' | 'delay' | 'duplicate' | 'reorder';

/** A fault the relay applies to matching segments (docs/specs.md "Wire rules"). */
export interface WireRule {
  action: WireAction;
  /** For `release`; defaults to `<action>-<index>` in the spec. */
  name: string;
  match: SegmentMatch;
  /** For delay: how long each matching segment is held back. */
  ms?: number;
  pos: Pos;
}

export type Step =
  | { kind: 'action'; endpoint: string; action: Action; pos: Pos }
  | { kind: 'await'; states: Record<string, State>; segment?: SegmentMatch; withinMs?: number; pos: Pos }
  /** A wire rule that starts at this step. */
  | { kind: 'wire'; rule: WireRule; pos: Pos }
  /** Ends a rule (or all): held segments are delivered in order, the rule matches no more. */
  | { kind: 'release'; rule: string; pos: Pos }
  /** A segment the harness writes into the other endpoint as if `from` had sent it. */
  | { kind: 'inject'; from: string; flags: string; seqOffset?: number; bytes?: number; pos: Pos };

export interface EndpointSpec {
  role: Role;
  /** Played by the harness itself, segment by segment (no program, no kernel stack). */
  peer?: boolean;
  /** Behaviours the program filling it must show by itself (spec/capabilities.ts). */
  needs?: Behaviour[];
}

export interface Spec {
  id: string;
  title: string;
  refs: string[];
  description?: string;
  /** The file it came from, as given to the loader (relative to its working directory when inside it). */
  file: string;
  endpoints: Record<string, EndpointSpec>;
  steps: Step[];
  /** Kernel settings applied in every namespace of the spec's lab (a fixed list, see docs/specs.md). */
  sysctls: Record<string, number>;
  /**
   * Per endpoint and state: the range the length of that state's timer must
   * fall in (ms), measured from sock_diag without waiting the timer out.
   */
  timers: Record<string, Partial<Record<State, { minMs: number; maxMs: number }>>>;
  /** Wire rules active from the start. */
  wire: WireRule[];
  /** Per endpoint, the states it must pass through in order, starting with CLOSED. */
  expect: Record<string, State[]>;
  /** Where the spec's top-level mapping starts. */
  pos: Pos;
}
