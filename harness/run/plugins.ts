import type { FaultAction, FaultRule } from '../lab/faults.js';
import type { WirePacket } from '../lab/relay.js';
import { flagsString, type Segment } from '../packet/tcp.js';
import type { Spec } from '../spec/types.js';

/**
 * What a program using tcpconform as a library can add to a run besides
 * reporters: wire rules written as functions, and observers that watch each
 * spec's lab. Both see segments in one plain shape, `WireSegment`.
 */

/** A TCP segment on the relay, as rules and observers see it. Sequence numbers are absolute. */
export interface WireSegment {
  /** Sending endpoint (e.g. `a`). */
  from: string;
  to: string;
  /** Flags as results print them: `SYN+ACK`, `FIN+ACK`, `ACK`. */
  flags: string;
  seq: number;
  ack: number;
  /** Payload bytes. */
  len: number;
}

export interface CustomFaultRule {
  /** Shown in results (`rule`) and ends the rule in a spec's `release: <name>` step. */
  name: string;
  action: FaultAction;
  /** For `delay`: how long the relay keeps each matching segment. */
  ms?: number;
  /** Only segments sent by this endpoint; both endpoints when absent. */
  from?: string;
  /** Which specs get the rule; every spec when absent. */
  specs?: (spec: Spec) => boolean;
  /** Which segments it applies to; the rule's first applying match decides, like a spec's own rules (tried after them). */
  match: (segment: WireSegment) => boolean;
  /** At most this many segments per spec. */
  count?: number;
}

/** A spec's lab as an observer sees it. */
export interface ObservedLab {
  spec: { id: string; title: string };
  family: 4 | 6;
  /** The server's port. */
  port: number;
  endpoints: { name: string; role: 'client' | 'server'; addr: string; /** Network namespace; empty for a peer endpoint. */ namespace: string }[];
}

/**
 * Specs run in parallel, so one observer's hooks for different specs
 * interleave: each hook gets the same `lab` object for one spec, to key
 * per-spec state by (a Map or WeakMap).
 */
export interface Observer {
  name: string;
  /** The lab is up and the targets not started yet. */
  onSpecBegin?(lab: ObservedLab): void | Promise<void>;
  /** Every TCP segment the relay delivered, as it is delivered. */
  onSegment?(segment: WireSegment & { /** Milliseconds since the lab started. */ tMs: number }, lab: ObservedLab): void;
  /** The steps are over and the lab is still up. Lines returned go into the spec's result (`notes`). */
  onSpecEnd?(lab: ObservedLab): void | string[] | Promise<void | string[]>;
}

export function wireSegment(from: string, to: string, seg: Segment): WireSegment {
  return { from, to, flags: flagsString(seg.flags), seq: seg.seq, ack: seg.ack, len: seg.payload.length };
}

/** A function rule as the relay's fault engine takes it: one per sending endpoint. */
export function toFaultRules(
  rule: CustomFaultRule,
  endpoints: readonly string[],
  peerOf: (name: string) => string,
  warn: (line: string) => void,
): FaultRule[] {
  let broken = false;
  return endpoints
    .filter((e) => rule.from === undefined || rule.from === e)
    .map((from) => ({
      action: rule.action,
      name: rule.name,
      ...(rule.ms !== undefined ? { ms: rule.ms } : {}),
      match: {
        from,
        ...(rule.count !== undefined ? { count: rule.count } : {}),
        // A rule that throws is switched off (matches nothing) after one warning: the relay must go on.
        test: (seg: Segment) => {
          if (broken) return false;
          try {
            return rule.match(wireSegment(from, peerOf(from), seg)) === true;
          } catch (err) {
            broken = true;
            warn(`wire rule ${rule.name} threw and is switched off for this spec: ${(err as Error).message}`);
            return false;
          }
        },
      },
    }));
}

/** Runs the observers' `onSegment` for a delivered packet; an observer that throws is reported once and dropped. */
export function segmentFanout(
  observers: Observer[],
  lab: ObservedLab,
  labStart: number,
  warn: (o: Observer, err: unknown) => void,
): (p: WirePacket) => void {
  const live = new Set(observers.filter((o) => o.onSegment));
  return (p) => {
    if (!p.seg) return;
    const view = { ...wireSegment(p.from, p.to, p.seg), tMs: Math.round((p.t - labStart)) / 1000 };
    for (const o of live) {
      try {
        o.onSegment!(view, lab);
      } catch (err) {
        live.delete(o);
        warn(o, err);
      }
    }
  };
}
