import type { MatrixCell, MatrixResult } from '../matrix/schema.js';
import { SEGMENT_KINDS } from '../model/reaction.js';
import { STATES } from '../model/states.js';
import type { VerdictName } from '../run/results.js';
import { VERDICT_ANSI } from './verdicts.js';

/**
 * The matrix on a terminal: states down, segment kinds across, one mark per
 * position in each cell, then every cell that did not pass with its reason.
 *
 *     state          SYN   SYN+ACK ...
 *     ESTABLISHED    .D.   ..F.    ...
 */

export const MARK: Record<VerdictName, string> = {
  pass: '.',
  fail: 'F',
  deviation: 'D',
  'not-applicable': '-',
  error: 'E',
  skipped: 's',
};

export function renderMatrixText(m: MatrixResult, opts: { color: boolean; details?: boolean }): string {
  const paint = (v: VerdictName, s: string): string => (opts.color ? `\x1b[${VERDICT_ANSI[v]}m${s}\x1b[0m` : s);
  const kinds = SEGMENT_KINDS.filter((k) => m.cells.some((c) => c.kind === k));
  const states = STATES.filter((s) => m.cells.some((c) => c.state === s));
  const width = (k: string): number => Math.max(k.length, 4) + 2;
  const lines: string[] = [];
  lines.push(`matrix: target ${m.target.id}, profile ${m.profile}, IPv${m.environment.ip}, ${m.cells.length} cells in ${(m.durationMs / 1000).toFixed(1)} s`);
  lines.push('state'.padEnd(13) + kinds.map((k) => k.padEnd(width(k))).join(''));
  for (const state of states) {
    let row = state.padEnd(13);
    for (const kind of kinds) {
      const cs = m.cells.filter((c) => c.state === state && c.kind === kind);
      const marks = cs.map((c) => paint(c.verdict, MARK[c.verdict])).join('');
      row += marks + ' '.repeat(Math.max(0, width(kind) - cs.length));
    }
    lines.push(row.trimEnd());
  }
  lines.push(
    'one mark per position: exact, in-window, out-of-window, ack-unacceptable (without ACK: the first three; SYN_SENT: ack-acceptable, ack-unacceptable)',
    `marks: ${(Object.keys(MARK) as VerdictName[]).filter((v) => v !== 'skipped').map((v) => `${paint(v, MARK[v])} ${v}`).join('  ')}`,
  );
  const order: VerdictName[] = ['pass', 'deviation', 'fail', 'error', 'not-applicable', 'skipped'];
  lines.push(order.filter((v) => m.totals[v]).map((v) => paint(v, `${m.totals[v]} ${v}`)).join(', '));
  if (opts.details !== false) {
    const notPassed = m.cells.filter((c) => c.verdict !== 'pass');
    if (notPassed.length) lines.push('');
    for (const c of notPassed) lines.push(...cellLines(c, paint));
  }
  return lines.join('\n') + '\n';
}

/** A reaction in words: the segments sent, then the states passed through. */
export function reactionText(send: readonly string[], states: readonly string[]): string {
  return `${send.join(', ') || 'nothing'}; ${states.length ? states.join(' -> ') : 'same state'}`;
}

function cellLines(c: MatrixCell, paint: (v: VerdictName, s: string) => string): string[] {
  const out = [`${paint(c.verdict, c.verdict.padEnd(10))} ${c.id}`];
  if (c.sent) out.push(`    sent      ${c.sent}`);
  out.push(`    expected  ${reactionText(c.expected.send, c.expected.states)}  (${c.expected.rule})`);
  if (c.observed) out.push(`    observed  ${reactionText(c.observed.send, c.observed.states)}`);
  if (c.reason && c.verdict !== 'fail') out.push(`    reason    ${c.reason}`);
  return out;
}

/** Cells whose verdict or observed reaction differs between two grids (of two targets, or two runs). */
export function diffMatrices(a: MatrixResult, b: MatrixResult): string {
  const byId = new Map(b.cells.map((c) => [c.id, c]));
  const lines = [`matrix diff: ${a.target.id} (${a.profile}, ${a.run}) vs ${b.target.id} (${b.profile}, ${b.run})`];
  let n = 0;
  const seen = new Set<string>();
  const reaction = (c: MatrixCell | undefined): string =>
    !c ? 'absent' : c.observed ? reactionText(c.observed.send, c.observed.states) : (c.reason ?? '');
  for (const ca of a.cells) {
    seen.add(ca.id);
    const cb = byId.get(ca.id);
    if (cb && cb.verdict === ca.verdict && reaction(ca) === reaction(cb)) continue;
    n++;
    lines.push(`${ca.id}`, `    ${a.target.id.padEnd(12)} ${(ca.verdict).padEnd(15)} ${reaction(ca)}`, `    ${b.target.id.padEnd(12)} ${(cb?.verdict ?? '-').padEnd(15)} ${reaction(cb)}`);
  }
  for (const cb of b.cells) {
    if (seen.has(cb.id)) continue;
    n++;
    lines.push(`${cb.id}`, `    ${a.target.id.padEnd(12)} ${'-'.padEnd(15)} absent`, `    ${b.target.id.padEnd(12)} ${cb.verdict.padEnd(15)} ${reaction(cb)}`);
  }
  lines.push(n ? `${n} cell(s) differ` : 'no cell differs');
  return lines.join('\n') + '\n';
}
