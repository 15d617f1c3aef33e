import type { ReplyTemplate } from '../model/reaction.js';
import type { State } from '../model/states.js';
import type { Timeline } from '../observe/types.js';
import { flagsString, parseFlags } from '../packet/tcp.js';
import type { SegmentResult, SpecResult } from '../run/results.js';
import { matchTimeline } from '../run/verdict.js';
import type { Cell } from './cell.js';
import { PEER, TARGET } from './prefix.js';
import type { MatrixCell } from './schema.js';
import { deviationsFor, type Deviation } from '../target/deviations.js';

/**
 * Judges one cell from its spec result: the segments the target sent after
 * the segment under test against the oracle's templates, and its states
 * against the prefix plus the oracle's path.
 */

/** SYN, FIN, RST and ACK only: PSH and the others say nothing about the reaction. */
export function coreFlags(flags: string): string {
  const f = parseFlags(flags);
  if (!f) return flags;
  return flagsString({ ...f, psh: false, urg: false, ece: false, cwr: false });
}

export function describeSegment(s: SegmentResult): string {
  return `${coreFlags(s.flags)} seq=${s.seq}${s.flags.includes('ACK') ? ` ack=${s.ack}` : ''}${s.len ? ` len=${s.len}` : ''}`;
}

/** Resolves a template's named numbers against the prefix and the segment under test. */
export function resolveReply(t: ReplyTemplate, cell: Cell, test: SegmentResult): { flags: string; seq?: number; ack?: number; optional: boolean } {
  const syn = test.flags.includes('SYN') ? 1 : 0;
  const fin = test.flags.includes('FIN') ? 1 : 0;
  const seq =
    t.seq === 'snd.nxt' ? cell.prefix.sndNxt : t.seq === 'seg.ack' ? test.ack : t.seq === 'zero' || t.seq === 'iss' ? 0 : undefined;
  const ack =
    t.ack === 'rcv.nxt' ? cell.prefix.rcvNxt : t.ack === 'seg.end' ? test.seq + test.len + syn + fin : t.ack === 'seg.seq+1' ? test.seq + 1 : undefined;
  return { flags: t.flags, ...(seq !== undefined ? { seq } : {}), ...(ack !== undefined ? { ack } : {}), optional: t.optional === true };
}

export function describeReply(r: { flags: string; seq?: number; ack?: number; optional: boolean }): string {
  const text = [r.flags, r.seq !== undefined ? `seq=${r.seq}` : '', r.ack !== undefined ? `ack=${r.ack}` : ''].filter(Boolean).join(' ');
  return r.optional ? `[${text}]` : text;
}

type Resolved = ReturnType<typeof resolveReply>;

function fits(want: Resolved, got: SegmentResult): boolean {
  return coreFlags(got.flags) === want.flags && (want.seq === undefined || want.seq === got.seq) && (want.ack === undefined || want.ack === got.ack);
}

/** Whether the replies match the templates in order, optional templates matching or not. */
function repliesMatch(want: Resolved[], got: SegmentResult[]): boolean {
  if (want.length === 0) return got.length === 0;
  const [w, ...rest] = want;
  if (got.length && fits(w!, got[0]!) && repliesMatch(rest, got.slice(1))) return true;
  return w!.optional && repliesMatch(rest, got);
}

export function judgeCell(cell: Cell, r: SpecResult, deviations: readonly Deviation[]): MatrixCell {
  const base = {
    id: cell.id,
    state: cell.state,
    kind: cell.kind,
    position: cell.position,
    durationMs: r.durationMs,
    ...(r.pcap ? { pcap: r.pcap } : {}),
  };
  const peerSegments = r.segments.filter((s) => s.from === PEER);
  const sentTest = peerSegments.length > cell.prefix.peerSends;
  const testIndex = sentTest ? r.segments.lastIndexOf(peerSegments.at(-1)!) : -1;
  const test = sentTest ? r.segments[testIndex]! : undefined;
  const want = test ? cell.reaction.send.map((t) => resolveReply(t, cell, test)) : [];
  const expected = {
    send: test ? want.map(describeReply) : cell.reaction.send.map((t) => describeReply({ flags: t.flags, optional: t.optional === true })),
    states: cell.reaction.path,
    app: cell.reaction.app,
    rule: cell.reaction.rule,
    cites: cell.reaction.cites.map((c) => ({ section: c.section, text: c.text })),
  };
  // Verdicts the executor gives without judging (a later executor may know a target's operations up front).
  if (r.verdict === 'not-applicable' || r.verdict === 'skipped') return { ...base, verdict: r.verdict, reason: r.reason ?? r.verdict, expected };
  if (r.verdict === 'error') {
    const reason = r.reason ?? 'error';
    if (/unknown-op/.test(reason)) return { ...base, verdict: 'not-applicable', reason: `the target cannot be driven into ${cell.state}: ${reason}`, expected };
    return { ...base, verdict: 'error', reason, expected };
  }
  if (!test) return { ...base, verdict: 'error', reason: `the target did not reach ${cell.state}: ${r.reason ?? 'the prefix did not complete'}`, expected };

  const before = r.segments.slice(0, testIndex).filter((s) => s.from === TARGET);
  const after = r.segments.slice(testIndex + 1).filter((s) => s.from === TARGET);
  // A segment that repeats an earlier one carrying sequence space (SYN, FIN or
  // data) is a timer's doing (a retransmission), not a reaction.
  const repeats = (a: SegmentResult, b: SegmentResult): boolean => a.flags === b.flags && a.seq === b.seq && a.len === b.len && (a.len > 0 || /SYN|FIN/.test(a.flags));
  const replies = after.filter((s, i) => !before.some((b) => repeats(b, s)) && !after.slice(0, i).some((b) => repeats(b, s)));
  const ep = r.endpoints[TARGET];
  const observedStates = (ep?.observed ?? []).map((o) => o.state).slice(cell.prefix.states.length) as State[];
  const observed = { send: replies.map(describeSegment), states: observedStates, retransmissions: after.length - replies.length, timeline: ep?.observed ?? [] };
  const problems: string[] = [];
  if (!repliesMatch(want, replies)) problems.push(`sent ${observed.send.join(', ') || 'nothing'}, expected ${expected.send.join(', ') || 'nothing'}`);
  if (ep) {
    const timeline = ep.observed.map((o) => ({ state: o.state, t: o.tMs, sources: o.sources, ...(o.transient ? { transient: true } : {}) })) as Timeline;
    // States the oracle passes through inside the processing of this one
    // segment (FIN_WAIT_1 -> FIN_WAIT_2 -> TIME_WAIT on a FIN+ACK) last no
    // time: a stack that never shows them follows the RFC as well.
    const path = cell.reaction.path;
    const direct = path.length > 1 ? ep.expected.slice(0, ep.expected.length - path.length).concat(path.slice(-1)) : ep.expected;
    if (!matchTimeline(ep.expected, timeline).ok && !matchTimeline(direct, timeline).ok)
      problems.push(`states ${observedStates.length ? observedStates.join(' -> ') : `stayed ${cell.state}`}, expected ${cell.reaction.path.length ? cell.reaction.path.join(' -> ') : `to stay ${cell.state}`}`);
  } else problems.push('no observation of the target');
  const sent = describeSegment(test);
  if (!problems.length) return { ...base, verdict: 'pass', sent, expected, observed };
  const reason = problems.join('; ');
  const documented = deviationsFor(deviations, cell.id);
  if (documented.length) return { ...base, verdict: 'deviation', reason: `${documented.map((d) => d.reason.trim()).join('; ')} (observed: ${reason})`, sent, expected, observed };
  return { ...base, verdict: 'fail', reason, sent, expected, observed };
}

