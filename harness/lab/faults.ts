import type { Segment } from '../packet/tcp.js';

/**
 * Which wire rule, if any, applies to a segment. Rules are tried in the
 * order they started; the first that matches decides. A rule counts the
 * segments that match its pattern from the moment it starts, so `nth` and
 * `count` are about that rule's own matches.
 */

export type FaultAction = 'hold' | 'drop' | 'delay' | 'duplicate' | 'reorder';

export interface FaultRule {
  action: FaultAction;
  name: string;
  match: {
    from: string;
    flags?: string[];
    data?: boolean;
    nth?: number;
    count?: number;
    /** A rule given as a function (library API): the segment must also pass it. */
    test?: (seg: Segment) => boolean;
  };
  ms?: number;
}

interface Active {
  rule: FaultRule;
  seen: number;
  applied: number;
}

const CONTROL = ['SYN', 'FIN', 'RST', 'ACK'] as const;

function flagSet(seg: Segment, name: string): boolean {
  const f = seg.flags;
  switch (name) {
    case 'SYN':
      return f.syn;
    case 'FIN':
      return f.fin;
    case 'RST':
      return f.rst;
    case 'ACK':
      return f.ack;
    case 'PSH':
      return f.psh;
    case 'URG':
      return f.urg;
    case 'ECE':
      return f.ece;
    case 'CWR':
      return f.cwr;
    default:
      return false;
  }
}

/** SYN, FIN, RST and ACK exactly as named; PSH, URG, ECE and CWR only required when named. */
export function flagsMatch(names: readonly string[], seg: Segment): boolean {
  for (const c of CONTROL) if (flagSet(seg, c) !== names.includes(c)) return false;
  return names.every((f) => flagSet(seg, f));
}

/** The pattern part of a rule: sender, flags, payload. */
export function matchesPattern(rule: FaultRule, from: string, seg: Segment): boolean {
  const m = rule.match;
  if (m.from !== from) return false;
  if (m.flags && !flagsMatch(m.flags, seg)) return false;
  if (m.data !== undefined && (seg.payload.length > 0) !== m.data) return false;
  if (m.test && !m.test(seg)) return false;
  return true;
}

export class FaultEngine {
  private active: Active[] = [];

  start(rule: FaultRule): void {
    this.active.push({ rule, seen: 0, applied: 0 });
  }

  /** Ends a rule (or all of them); returns the names ended. */
  end(name: string): string[] {
    const ended = this.active.filter((a) => name === 'all' || a.rule.name === name).map((a) => a.rule.name);
    this.active = this.active.filter((a) => !ended.includes(a.rule.name));
    return ended;
  }

  /** The rule that applies to this segment, counting it as applied; undefined: pass it on. */
  decide(from: string, seg: Segment): FaultRule | undefined {
    for (const a of this.active) {
      if (!matchesPattern(a.rule, from, seg)) continue;
      a.seen++;
      const { nth, count } = a.rule.match;
      if (nth !== undefined && a.seen !== nth) continue;
      if (count !== undefined && a.applied >= count) continue;
      a.applied++;
      return a.rule;
    }
    return undefined;
  }
}
