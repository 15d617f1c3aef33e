import type { WirePacket } from '../lab/relay.js';
import { compareTimelines, inferTimelines, type AppAction, type WireSegment } from '../model/wire.js';
import type { Micros, Timeline } from '../observe/types.js';

/** The relay's record as wire inference reads it: decoded, with each segment's fate. */
export function wireSegments(packets: readonly WirePacket[], until: Micros): WireSegment[] {
  const segments: WireSegment[] = [];
  for (const p of packets) {
    if (p.t >= until) continue;
    const seg = p.seg;
    if (!seg) continue;
    const delivered = p.delivered !== undefined && p.delivered < until;
    segments.push({
      t: p.t,
      // An injected segment comes from no endpoint: it changes only its receiver.
      from: p.fault === 'injected' ? 'harness' : p.from,
      to: p.to,
      seg,
      fate: delivered ? 'delivered' : 'dropped',
      ...(delivered && p.delivered! > p.t ? { deliveredAt: p.delivered! } : {}),
    });
  }
  return segments;
}

/**
 * The second opinion on every spec: the states RFC 9293 implies from the
 * segments the relay carried (and the calls the harness made), compared with
 * what the kernel observers saw. Each disagreement is named, with the
 * documented allowance that explains it (docs/observers.md, "Wire
 * inference"), or marked unexplained: a harness bug or a stack bug.
 */
export function compareWithWire(input: {
  packets: readonly WirePacket[];
  actions: readonly AppAction[];
  endpoints: { name: string; role: 'client' | 'server' }[];
  kernel: Record<string, Timeline>;
  /** When the kernel observers stopped: later entries are not compared. */
  until: Micros;
  /** Times in the messages are counted from here (the lab's start). */
  origin: Micros;
  peers?: ReadonlySet<string>;
}): string[] {
  const segments = wireSegments(input.packets, input.until);
  const wire = inferTimelines({ endpoints: input.endpoints, segments, actions: [...input.actions] });
  const out: string[] = [];
  for (const e of input.endpoints) {
    // A peer has no kernel view: its timeline is the wire's.
    if (input.peers?.has(e.name)) continue;
    const ds = compareTimelines(input.kernel[e.name] ?? [], wire[e.name] ?? [], { endpoint: e.name, until: input.until, origin: input.origin });
    for (const d of ds) {
      out.push(`${e.name}: ${d.kind} ${d.state}: ${d.detail} [${d.rule ? `allowed: ${d.rule}` : 'unexplained'}]`);
    }
  }
  return out;
}
