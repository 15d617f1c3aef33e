import type { State } from '../model/states.js';
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
  | { op: 'send'; bytes: number }
  | { op: 'recv'; bytes?: number; untilEof?: boolean }
  | { op: 'shutdown'; how: 'read' | 'write' | 'both' }
  | { op: 'close' }
  | { op: 'close-listener' }
  | { op: 'abort' };

export type Step =
  | { kind: 'action'; endpoint: string; action: Action; pos: Pos }
  | { kind: 'await'; states: Record<string, State>; withinMs?: number; pos: Pos };

export interface EndpointSpec {
  role: Role;
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
  /** Per endpoint, the states it must pass through in order, starting with CLOSED. */
  expect: Record<string, State[]>;
  /** Where the spec's top-level mapping starts. */
  pos: Pos;
}
