import type { SpecResult } from '../run/results.js';
import { formatDuration, stripAnsi, tailLines } from './format.js';
import { alignPaths, type RowKind } from './paths.js';
import { faultLabel, flagKind, segmentLabel, type FlagKind } from './segment-text.js';
import { axisLabel, ms, niceStep, timeRange } from './time.js';
import { classifyDiffLine, ipLabel, targetsOf, VERDICT_ANSI, VERDICT_LABEL } from './verdicts.js';

/**
 * One spec in the terminal, for `tcpconform show`: the ladder of segments
 * with each endpoint's states beside its line, then each endpoint's
 * timeline (to scale) and its expected and observed states side by side.
 * Plain text; colour only when asked (a TTY), never needed to read it.
 */

export interface TextOptions {
  color: boolean;
  /** Columns of the to-scale timeline strip. */
  width?: number;
}

type Paint = (code: string, s: string) => string;

function painter(color: boolean): Paint {
  return (code, s) => (color && s !== '' ? `\x1b[${code}m${s}\x1b[0m` : s);
}

const FLAG_STYLE: Record<FlagKind, string> = { syn: '36', fin: '33', rst: '31', ack: '' };
const ROW_STYLE: Record<RowKind, string> = { same: '', missing: '32', unexpected: '31', transient: '2' };
const ROW_MARK: Record<RowKind, string> = { same: ' ', missing: '-', unexpected: '+', transient: '~' };

export function renderSpecText(r: SpecResult, opts: TextOptions): string {
  const p = painter(opts.color);
  const out: string[] = [];
  out.push(`${p('1', r.spec)}  ${p(VERDICT_ANSI[r.verdict], VERDICT_LABEL[r.verdict])}  ${r.title}`);
  const meta = [r.file, formatDuration(r.durationMs), `target ${targetsOf(r).join(', ') || '-'}`];
  if (ipLabel(r)) meta.push(ipLabel(r));
  if (r.pcap) meta.push(r.pcap);
  out.push(p('2', meta.join(' · ')));
  if (r.reason) out.push(stripAnsi(r.reason));
  if (r.diff) {
    for (const line of stripAnsi(r.diff).replace(/\s+$/, '').split(/\r?\n/)) {
      const c = classifyDiffLine(line);
      out.push(`  ${c.kind === 'missing' ? p('32', line) : c.kind === 'unexpected' ? p('31', line) : line}`);
    }
  }
  for (const d of r.disagreements ?? []) out.push(`${p('33', 'observers disagree:')} ${d}`);
  for (const [name, t] of Object.entries(r.stderr ?? {})) {
    if (!t.trim()) continue;
    out.push(`stderr of ${name}:`, ...tailLines(stripAnsi(t), 20).map((l) => `  ${l}`));
  }
  out.push('', p('1', 'Ladder'), ...textLadder(r, opts), '', p('1', 'Timelines'), ...textTimelines(r, opts));
  return out.join('\n') + '\n';
}

/** Terminal columns of a string (the box and arrow characters used here are one column each). */
const width = (s: string): number => [...s].length;
const padStart = (s: string, n: number): string => ' '.repeat(Math.max(0, n - width(s))) + s;
const padEnd = (s: string, n: number): string => s + ' '.repeat(Math.max(0, n - width(s)));

type Row = { t: number; order: number; kind: 'state'; lane: number; text: string; mark: RowKind } | { t: number; order: number; kind: 'seg'; from: number; to: number; text: string; flag: FlagKind; dropped: boolean; injected: boolean };

export function textLadder(r: SpecResult, opts: TextOptions): string[] {
  const p = painter(opts.color);
  const lanes = Object.keys(r.endpoints);
  for (const s of r.segments) for (const n of [s.from, s.to]) if (!lanes.includes(n)) lanes.push(n);
  if (lanes.length === 0) return ['  (no endpoints)'];

  const rows: Row[] = [];
  let order = 0;
  for (const [name, e] of Object.entries(r.endpoints)) {
    for (const row of alignPaths(e.expected, e.observed)) {
      if (!row.observed || row.step === undefined) continue;
      const text = `${row.step}. ${row.observed.state}${row.observed.transient ? ' ~' : ''}${row.kind === 'unexpected' ? ' +' : ''}`;
      rows.push({ t: row.observed.tMs, order: order++, kind: 'state', lane: lanes.indexOf(name), text, mark: row.kind });
    }
  }
  for (const s of r.segments) {
    const note = faultLabel(s);
    rows.push({
      t: s.tMs,
      order: order++,
      kind: 'seg',
      from: lanes.indexOf(s.from),
      to: lanes.indexOf(s.to),
      text: `${segmentLabel(s)}${note ? ` [${note}]` : ''}`,
      flag: flagKind(s.flags),
      dropped: s.fault === 'dropped',
      injected: s.fault === 'injected',
    });
  }
  rows.sort((a, b) => a.t - b.t || (a.kind === b.kind ? a.order - b.order : a.kind === 'state' ? -1 : 1));

  // Columns: time | states of the first lane | lane | gap | lane | ... | states of the last lane.
  const stateW = (lane: number): number => Math.max(6, ...rows.filter((x) => x.kind === 'state' && x.lane === lane).map((x) => width(x.text)));
  const leftW = stateW(0);
  const gap = Math.max(28, ...rows.filter((x) => x.kind === 'seg').map((x) => width(x.text) + 8));
  const timeW = Math.max(6, ...rows.map((x) => ms(x.t).length));
  const laneCol = (i: number): number => timeW + 2 + leftW + 1 + i * (gap + 1);
  const total = laneCol(lanes.length - 1) + 1;

  const head1 = Array.from({ length: total }, () => ' ');
  const put = (buf: string[], col: number, s: string): void => [...s].forEach((ch, k) => (buf[col + k] = ch));
  put(head1, 0, padStart('t (ms)', timeW));
  const heads = lanes.map((n) => {
    const e = r.endpoints[n];
    return { name: n, sub: e ? `${e.role} ${e.addr}` : 'on the wire' };
  });
  const out: string[] = [];
  // Lane headings beside their lines: `a: client 198.18.0.1│   │b: server 198.18.0.2`.
  heads.forEach((h, i) => {
    const col = laneCol(i);
    const label = `${h.name}: ${h.sub}`;
    const last = i === lanes.length - 1 && lanes.length > 1;
    put(head1, last ? col : Math.max(timeW + 2, col - width(label) + 1), label);
  });
  out.push(p('1', head1.join('').trimEnd()));

  for (const row of rows) {
    const buf = Array.from({ length: total }, () => ' ');
    lanes.forEach((_, i) => (buf[laneCol(i)] = '│'));
    put(buf, 0, padStart(ms(row.t), timeW));
    let line: string;
    if (row.kind === 'state') {
      const col = laneCol(row.lane);
      const s = p(ROW_STYLE[row.mark], row.text);
      const plain = buf.join('');
      if (row.lane === lanes.length - 1 && lanes.length > 1) line = plain.trimEnd() + ' ' + s;
      else {
        const at = row.lane === 0 ? col - 1 - width(row.text) : col + 2;
        line = plain.slice(0, at) + s + plain.slice(at + width(row.text));
      }
      out.push(line.trimEnd());
      continue;
    }
    const a = row.from < 0 ? laneCol(0) : laneCol(row.from);
    const b = row.to < 0 ? laneCol(lanes.length - 1) : laneCol(row.to);
    const rightward = b >= a;
    const lo = Math.min(a, b) + 1;
    const hi = Math.max(a, b) - 1;
    const span = hi - lo + 1;
    const label = ` ${row.text} `;
    const fill: string[] = Array.from({ length: span }, () => (row.dropped ? '╌' : '─'));
    if (row.dropped) {
      // It stops where the relay took it: the label before the cross, blank after.
      const stop = Math.max(Math.floor(span * 0.85), Math.min(span - 1, width(label) + 2));
      const room = stop;
      if (rightward) {
        put(fill, Math.max(1, Math.floor((room - width(label)) / 2)), label);
        fill[stop] = '✕';
        for (let k = stop + 1; k < span; k++) fill[k] = ' ';
      } else {
        const cross = span - 1 - stop;
        put(fill, cross + 1 + Math.max(1, Math.floor((room - width(label)) / 2)), label);
        fill[cross] = '✕';
        for (let k = 0; k < cross; k++) fill[k] = ' ';
      }
      fill.length = span;
    } else {
      put(fill, Math.max(1, Math.floor((span - width(label)) / 2)), label);
      if (rightward) fill[span - 1] = '▶';
      else fill[0] = '◀';
    }
    if (row.injected) fill[rightward ? 0 : span - 1] = '◆';
    const plain = buf.join('');
    line = plain.slice(0, lo) + p(FLAG_STYLE[row.flag], fill.join('')) + plain.slice(hi + 1);
    out.push(line.trimEnd());
  }
  return out;
}

export function textTimelines(r: SpecResult, opts: TextOptions): string[] {
  const p = painter(opts.color);
  const cols = Math.max(20, opts.width ?? 64);
  const { t0, t1 } = timeRange(r);
  const col = (t: number): number => Math.min(cols - 1, Math.max(0, Math.floor(((t - t0) / (t1 - t0)) * cols)));
  const names = Object.keys(r.endpoints);
  const nameW = Math.max(4, ...names.map((n) => width(n)));
  const out: string[] = [];

  // The axis: a few round times over the strip.
  const axis = Array.from({ length: cols + 8 }, () => ' ');
  const step = niceStep(t1 - t0, 4);
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
    const label = axisLabel(t);
    const c = col(t);
    if (axis.slice(c, c + label.length + 1).every((ch) => ch === ' ')) [...label].forEach((ch, k) => (axis[c + k] = ch));
  }
  out.push(`${' '.repeat(nameW + 2)}${axis.join('').trimEnd()}  ms`);

  for (const n of names) {
    const e = r.endpoints[n]!;
    const strip = Array.from({ length: cols }, () => ' ');
    e.observed.forEach((o, i) => {
      const next = e.observed[i + 1];
      const a = col(o.tMs);
      const b = next ? col(next.tMs) : cols;
      if (b <= a && next) return; // too short to show here; the table below lists it
      strip[a] = '┃';
      const room = Math.max(0, b - a - 1);
      const name = o.state.length <= room ? o.state : o.state.slice(0, Math.max(0, room - 1)) + (room > 0 ? '…' : '');
      for (let k = 1; k <= room; k++) strip[a + k] = name[k - 1] ?? '─';
    });
    out.push(`${p('1', padEnd(n, nameW))}  ${strip.join('').trimEnd()}`);
  }
  const wire = Array.from({ length: cols }, () => ' ');
  for (const s of r.segments) wire[col(s.tMs)] = s.fault === 'dropped' ? '✕' : '╵';
  out.push(`${padEnd('wire', nameW)}  ${wire.join('').trimEnd()}`);

  for (const n of names) {
    const e = r.endpoints[n]!;
    out.push('', `${p('1', n)}  ${e.role} · ${e.target} · ${e.addr}`);
    const rows = alignPaths(e.expected, e.observed);
    const w = Math.max(8, ...rows.flatMap((x) => [x.expected ?? '', x.observed?.state ?? '']).map((s) => s.length)) + 2;
    out.push(p('2', `   ${padStart('#', 3)}  ${padEnd('expected', w)}${padEnd('observed', w)}${padStart('t (ms)', 10)}  seen by / notes`));
    for (const row of rows) {
      const o = row.observed;
      const seen = o ? [o.sources.join(', ') || 'no observer', ...(o.notes ?? []), ...(o.transient ? ['transient'] : [])].join('; ') : '';
      const line =
        `${ROW_MARK[row.kind]}  ${padStart(row.step !== undefined ? String(row.step) : '', 3)}  ` +
        `${padEnd(row.expected ?? '—', w)}${padEnd(o?.state ?? '—', w)}${padStart(o ? ms(o.tMs) : '', 10)}  ${seen}`;
      out.push(p(ROW_STYLE[row.kind], line.trimEnd()));
    }
  }
  return out;
}
