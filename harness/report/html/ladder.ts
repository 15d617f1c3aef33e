import type { SegmentResult, SpecResult } from '../../run/results.js';
import { alignPaths, type RowKind } from '../paths.js';
import { faultLabel, flagKind, segmentLabel } from '../segment-text.js';
import { esc, ms } from './escape.js';

/**
 * The ladder (sequence) diagram of one spec: a vertical line per endpoint,
 * an arrow per segment the relay carried, and each endpoint's states beside
 * its line where it entered them, all in time order.
 *
 * Rows are evenly spaced in time order rather than to scale: a handshake
 * takes microseconds and a close tens of milliseconds, so a linear scale
 * would pile the handshake into one line. The time is written on every row,
 * and the timelines below the ladder are drawn to scale.
 */

const WIDTH = 780;
const TIME_X = 62;
const ROW_STATE = 22;
const ROW_SEGMENT = 34;
const SLANT = 14;
const TOP = 44;

type LadderEvent =
  | { kind: 'state'; t: number; lane: string; state: string; step: number; mark: RowKind; transient: boolean; order: number }
  | { kind: 'segment'; t: number; seg: SegmentResult; index: number; order: number };

function stateLabel(ev: { step: number; state: string; transient: boolean }): string {
  return `${ev.step}. ${ev.state}${ev.transient ? ' (transient)' : ''}`;
}

/** Endpoint names in spec order, then any other sender on the wire (the harness's peer). */
export function laneNames(r: SpecResult): string[] {
  const names = Object.keys(r.endpoints);
  for (const s of r.segments) for (const n of [s.from, s.to]) if (!names.includes(n)) names.push(n);
  return names;
}

export function ladderEvents(r: SpecResult): LadderEvent[] {
  const events: LadderEvent[] = [];
  let order = 0;
  for (const [name, e] of Object.entries(r.endpoints)) {
    for (const row of alignPaths(e.expected, e.observed)) {
      if (!row.observed || row.step === undefined) continue;
      const o = row.observed;
      events.push({ kind: 'state', t: o.tMs, lane: name, state: o.state, step: row.step, mark: row.kind, transient: o.transient === true, order: order++ });
    }
  }
  r.segments.forEach((seg, index) => events.push({ kind: 'segment', t: seg.tMs, seg, index, order: order++ }));
  // At equal times a state comes first: the SYN leaves after SYN_SENT is entered.
  return events.sort((a, b) => a.t - b.t || (a.kind === b.kind ? a.order - b.order : a.kind === 'state' ? -1 : 1));
}

/** The CSS class of a segment's colour. */
export function flagClass(flags: string): string {
  return `f-${flagKind(flags)}`;
}

export function ladder(r: SpecResult): string {
  const lanes = laneNames(r);
  if (lanes.length === 0) return '<p class="muted">No endpoints.</p>';
  const events = ladderEvents(r);
  // Lanes spread over the middle; states sit outside the outer lanes, so
  // two lanes leave room for the state names on both sides.
  // Room for the widest state label on each side, so none runs into the time column.
  const labelWidth = (text: string): number => text.length * 6.6 + 10;
  const widest = (lane: string | undefined): number =>
    Math.max(0, ...events.filter((e) => e.kind === 'state' && e.lane === lane).map((e) => (e.kind === 'state' ? labelWidth(stateLabel(e)) : 0)));
  const left = Math.max(200, TIME_X + 14 + widest(lanes[0]) + 12);
  const right = WIDTH - Math.max(150, lanes.length > 1 ? widest(lanes[lanes.length - 1]) + 20 : 0);
  const laneX = new Map(lanes.map((n, i) => [n, lanes.length === 1 ? (left + right) / 2 : left + ((right - left) * i) / (lanes.length - 1)]));
  const mid = (left + right) / 2;

  let y = TOP;
  const body: string[] = [];
  for (const ev of events) {
    if (ev.kind === 'state') {
      y += ROW_STATE;
      const x = laneX.get(ev.lane)!;
      const idx = lanes.indexOf(ev.lane);
      const outside = idx === lanes.length - 1 && lanes.length > 1 ? 1 : -1;
      const tx = x + outside * 10;
      const label = stateLabel(ev);
      const w = labelWidth(label);
      const rx = outside > 0 ? tx : tx - w;
      body.push(
        `<g class="lstate ${ev.mark} st-${esc(ev.state)}" data-lane="${esc(ev.lane)}" data-state="${esc(ev.state)}" data-t="${ev.t}">` +
          `<title>${esc(`${ev.lane} entered ${ev.state} at ${ms(ev.t)} ms${ev.mark === 'unexpected' ? ' (not expected)' : ''}`)}</title>` +
          `<text class="t" x="${TIME_X}" y="${y + 4}" text-anchor="end">${ms(ev.t)}</text>` +
          `<line class="tick" x1="${x - 5}" x2="${x + 5}" y1="${y}" y2="${y}"/>` +
          `<rect x="${rx}" y="${y - 9}" width="${w}" height="18" rx="4"/>` +
          `<text x="${rx + w / 2}" y="${y + 4}" text-anchor="middle">${esc(label)}</text></g>`,
      );
      continue;
    }
    y += ROW_SEGMENT;
    const s = ev.seg;
    const fromX = s.fault === 'injected' ? mid : (laneX.get(s.from) ?? mid);
    const toX = laneX.get(s.to) ?? mid;
    const y0 = y - SLANT;
    const y1 = y;
    const fault = s.fault ?? 'none';
    const dropped = s.fault === 'dropped';
    // A dropped segment stops on the wire, where the relay took it.
    const endX = dropped ? fromX + (toX - fromX) * 0.62 : toX;
    const endY = dropped ? y0 + (y1 - y0) * 0.62 : y1;
    const label = segmentLabel(s);
    const note = faultLabel(s);
    const textX = (fromX + toX) / 2;
    const parts = [
      `<text class="t" x="${TIME_X}" y="${y1 - 3}" text-anchor="end">${ms(s.tMs)}</text>`,
      `<line class="shaft" x1="${fromX}" y1="${y0}" x2="${endX}" y2="${endY}"${dropped ? '' : ` marker-end="url(#seg-arrow-${flagClass(s.flags)})"`}/>`,
    ];
    if (s.fault === 'duplicated') parts.push(`<line class="shaft dup" x1="${fromX}" y1="${y0 + 4}" x2="${endX}" y2="${endY + 4}"/>`);
    if (dropped) {
      parts.push(`<path class="cross" d="M${endX - 6},${endY - 6} L${endX + 6},${endY + 6} M${endX - 6},${endY + 6} L${endX + 6},${endY - 6}"/>`);
    }
    if (s.fault === 'held' || s.fault === 'delayed') {
      const hx = (fromX + toX) / 2;
      const hy = (y0 + y1) / 2;
      parts.push(
        s.fault === 'held'
          ? `<g class="hold"><rect x="${hx - 7}" y="${hy - 7}" width="14" height="14" rx="2"/><path d="M${hx - 2.5},${hy - 4} V${hy + 4} M${hx + 2.5},${hy - 4} V${hy + 4}"/></g>`
          : `<g class="hold"><circle cx="${hx}" cy="${hy}" r="7"/><path d="M${hx},${hy - 4} V${hy} L${hx + 3},${hy + 2}"/></g>`,
      );
    }
    if (s.fault === 'injected') parts.push(`<path class="inject" d="M${fromX},${y0 - 6} L${fromX + 6},${y0} L${fromX},${y0 + 6} L${fromX - 6},${y0} z"/>`);
    parts.push(
      `<text class="lbl" x="${textX}" y="${Math.min(y0, y1) - 5}" text-anchor="middle">${esc(label)}${note ? ` <tspan class="fault-note">[${esc(note)}]</tspan>` : ''}</text>`,
    );
    body.push(
      `<g class="seg ${flagClass(s.flags)} fault-${fault}" data-index="${ev.index}" data-from="${esc(s.from)}" data-to="${esc(s.to)}" data-flags="${esc(s.flags)}" data-seq="${s.seq}" data-ack="${s.ack}" data-len="${s.len}"${s.fault ? ` data-fault="${s.fault}"` : ''}>` +
        `<title>${esc(`${s.from} → ${s.to} at ${ms(s.tMs)} ms: ${label}${note ? ` (${note})` : ''}`)}</title>${parts.join('')}</g>`,
    );
  }
  const height = y + 24;
  const heads = lanes
    .map((n) => {
      const e = r.endpoints[n];
      const x = laneX.get(n)!;
      const sub = e ? `${e.role} · ${e.addr}` : 'on the wire';
      return (
        `<g class="lane" data-lane="${esc(n)}"><text class="lane-name" x="${x}" y="16" text-anchor="middle">${esc(n)}</text>` +
        `<text class="lane-sub" x="${x}" y="31" text-anchor="middle">${esc(sub)}</text>` +
        `<line x1="${x}" x2="${x}" y1="${TOP - 8}" y2="${height - 8}"/></g>`
      );
    })
    .join('');
  const aria = `Ladder diagram: ${r.segments.length} segment(s) between ${lanes.join(' and ')}`;
  return (
    `<svg class="ladder" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="${esc(aria)}">` +
    `<title>${esc(aria)}</title><text class="t head" x="${TIME_X}" y="16" text-anchor="end">t (ms)</text>${heads}${body.join('')}</svg>`
  );
}

/** The same segments as a table: copyable, and read out by screen readers. */
export function segmentTable(r: SpecResult): string {
  if (r.segments.length === 0) return '<p class="muted">The relay carried no segment.</p>';
  const rows = r.segments
    .map(
      (s, i) =>
        `<tr class="${s.fault ? `fault-${s.fault}` : ''}"><td>${i + 1}</td><td class="num">${ms(s.tMs)}</td><td>${esc(s.from)} → ${esc(s.to)}</td>` +
        `<td class="mono ${flagClass(s.flags)}">${esc(s.flags)}</td><td class="num">${s.seq}</td><td class="num">${s.ack}</td><td class="num">${s.len}</td>` +
        `<td>${esc(faultLabel(s) ?? '')}</td></tr>`,
    )
    .join('');
  return (
    `<table class="segments"><thead><tr><th>#</th><th>t (ms)</th><th>direction</th><th>flags</th><th>seq</th><th>ack</th><th>len</th><th>relay</th></tr></thead>` +
    `<tbody>${rows}</tbody></table>`
  );
}

/** Arrowheads of segment arrows, one per flag colour (a marker does not take its line's colour), defined once per page. */
export function ladderDefs(): string {
  const markers = ['f-syn', 'f-fin', 'f-rst', 'f-ack']
    .map(
      (c) =>
        `<marker id="seg-arrow-${c}" class="seg-arrow ${c}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker>`,
    )
    .join('');
  return `<svg class="defs" width="0" height="0" aria-hidden="true" focusable="false"><defs>${markers}</defs></svg>`;
}
