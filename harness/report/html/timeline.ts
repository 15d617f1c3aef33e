import type { SpecResult } from '../../run/results.js';
import { alignPaths } from '../paths.js';
import { axisLabel, niceStep, timeRange } from '../time.js';
import { esc, ms } from './escape.js';
import { faultLabel, segmentLabel } from '../segment-text.js';
import { flagClass } from './ladder.js';

/**
 * The state timelines of a spec's endpoints on one time axis, drawn to
 * scale, with the segments on the wire as ticks under them: where the
 * ladder shows order, this shows how long each state lasted.
 */

const WIDTH = 780;
const X0 = 118;
const X1 = WIDTH - 24;
const BAR = 24;
const CALLOUT = 16;
const GAP = 12;

export function timelines(r: SpecResult): string {
  const names = Object.keys(r.endpoints);
  const { t0, t1 } = timeRange(r);
  const x = (t: number): number => X0 + ((t - t0) / (t1 - t0)) * (X1 - X0);
  const out: string[] = [];
  let y = 8;

  for (const name of names) {
    const e = r.endpoints[name]!;
    const marks = new Map<number, string>();
    for (const row of alignPaths(e.expected, e.observed)) if (row.step !== undefined) marks.set(row.step, row.kind);
    out.push(`<g class="tl-lane" data-lane="${esc(name)}">`);
    out.push(`<text class="tl-name" x="8" y="${y + 16}">${esc(name)}</text><text class="tl-sub" x="8" y="${y + 29}">${esc(e.role)}</text>`);
    const callouts: { x: number; label: string }[] = [];
    e.observed.forEach((o, i) => {
      const next = e.observed[i + 1];
      const xa = x(o.tMs);
      const xb = next ? x(next.tMs) : X1;
      const w = Math.max(xb - xa, 0);
      const step = i + 1;
      const kind = marks.get(step) ?? 'same';
      const full = `${step}. ${o.state}`;
      const tip = `${step}. ${o.state} from ${ms(o.tMs)} ms${next ? ` to ${ms(next.tMs)} ms (${ms(next.tMs - o.tMs)} ms)` : ', still in it when the spec ended'}`;
      let label = '';
      if (w >= full.length * 6.4 + 8) label = full;
      else if (w >= o.state.length * 6.4 + 8) label = o.state;
      else if (w >= 16) label = String(step);
      if (label === '') callouts.push({ x: xa, label: String(step) });
      out.push(
        `<g class="tl-state st-${esc(o.state)} ${kind}${next ? '' : ' last'}" data-state="${esc(o.state)}" data-t="${o.tMs}">` +
          `<title>${esc(tip)}\nseen by: ${esc(o.sources.join(', ') || 'no observer')}${o.notes?.length ? `\nnotes: ${esc(o.notes.join(', '))}` : ''}</title>` +
          `<rect x="${xa}" y="${y}" width="${Math.max(w, 1.5)}" height="${BAR}"/>` +
          (label ? `<text x="${xa + w / 2}" y="${y + 16}" text-anchor="middle">${esc(label)}</text>` : '') +
          `</g>`,
      );
    });
    // States too short to label get their step number under the bar,
    // pushed apart so that numbers never overlap.
    let lastX = -Infinity;
    const placed = callouts;
    for (const c of placed) {
      const cx = Math.max(c.x, lastX + 14);
      lastX = cx;
      out.push(
        `<g class="tl-callout"><line x1="${c.x}" y1="${y + BAR}" x2="${cx}" y2="${y + BAR + 5}"/><text x="${cx}" y="${y + BAR + 14}" text-anchor="middle">${esc(c.label)}</text></g>`,
      );
    }
    out.push('</g>');
    y += BAR + (placed.length > 0 ? CALLOUT : 4) + GAP;
  }

  // The wire: one tick per segment, coloured by its flags.
  out.push(`<g class="tl-wire"><text class="tl-name" x="8" y="${y + 13}">wire</text>`);
  out.push(`<line class="tl-base" x1="${X0}" x2="${X1}" y1="${y + 9}" y2="${y + 9}"/>`);
  r.segments.forEach((s, i) => {
    const sx = x(s.tMs);
    const note = faultLabel(s);
    out.push(
      `<g class="tl-seg ${flagClass(s.flags)}${s.fault ? ` fault-${s.fault}` : ''}"><title>${esc(`#${i + 1} ${s.from} → ${s.to} at ${ms(s.tMs)} ms: ${segmentLabel(s)}${note ? ` (${note})` : ''}`)}</title>` +
        `<line x1="${sx}" x2="${sx}" y1="${y}" y2="${y + 18}"/>` +
        (s.releasedMs !== undefined ? `<line class="release" x1="${sx}" x2="${x(s.releasedMs)}" y1="${y + 9}" y2="${y + 9}"/>` : '') +
        `</g>`,
    );
  });
  out.push('</g>');
  y += 18 + GAP;

  // The axis.
  const step = niceStep(t1 - t0);
  const ticks: string[] = [];
  for (let t = Math.ceil(t0 / step) * step; t <= t1 + 1e-9; t += step) {
    const tx = x(t);
    ticks.push(`<line x1="${tx}" x2="${tx}" y1="${y}" y2="${y + 5}"/><text x="${tx}" y="${y + 17}" text-anchor="middle">${axisLabel(t)}</text>`);
  }
  out.push(`<g class="tl-axis"><line x1="${X0}" x2="${X1}" y1="${y}" y2="${y}"/>${ticks.join('')}<text class="tl-unit" x="8" y="${y + 17}">ms</text></g>`);
  y += 26;

  const aria = `State timelines of ${names.join(' and ')} from ${axisLabel(t0)} ms to ${axisLabel(Math.round(t1))} ms`;
  return `<svg class="timeline" viewBox="0 0 ${WIDTH} ${y}" width="${WIDTH}" height="${y}" role="img" aria-label="${esc(aria)}"><title>${esc(aria)}</title>${out.join('')}</svg>`;
}
