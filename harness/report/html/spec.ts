import type { EndpointResult, SpecResult } from '../../run/results.js';
import { formatDuration, stripAnsi, tailLines } from '../format.js';
import { noteMeaning } from '../notes.js';
import { alignPaths, endpointDiffers, type PathRow } from '../paths.js';
import { classifyDiffLine, ipLabel, targetsOf, VERDICT_LABEL } from '../verdicts.js';
import { endpointMarks, stateDiagram } from './diagram.js';
import { esc, ms } from './escape.js';
import { ladder, segmentTable } from './ladder.js';
import { timelines } from './timeline.js';

/** One spec of the report: a collapsible entry with everything needed to judge it. */

export interface SpecRenderOptions {
  /** Prefix that turns a pcap path relative to the run folder into one relative to the page. */
  pcapBase: string;
  /** Lines of each target's stderr shown. */
  stderrLines: number;
}

/** What the text filter matches: id, title and file, lower case. */
export function searchText(r: SpecResult): string {
  return `${r.spec} ${r.title} ${r.file}`.toLowerCase();
}

/** Failures and errors open by default: the reader came for them. */
export function openByDefault(r: SpecResult): boolean {
  return r.verdict === 'fail' || r.verdict === 'error';
}

export function verdictBadge(v: SpecResult['verdict']): string {
  return `<span class="verdict v-${v}">${esc(VERDICT_LABEL[v])}</span>`;
}

/** The entry of one result; `anchor` is its element id (see Anchors). */
export function specSection(r: SpecResult, opts: SpecRenderOptions, anchor: string): string {
  const ip = ipLabel(r);
  const summary =
    `<summary><span class="chev" aria-hidden="true"></span>${verdictBadge(r.verdict)}` +
    `<span class="sid">${esc(r.spec)}</span>${ip ? `<span class="ip">${ip}</span>` : ''}<span class="stitle">${esc(r.title)}</span>` +
    `<span class="sdur">${esc(formatDuration(r.durationMs))}</span></summary>`;
  return (
    `<section class="spec" id="${esc(anchor)}" data-spec="${esc(r.spec)}" data-verdict="${r.verdict}" data-search="${esc(searchText(r))}">` +
    `<details${openByDefault(r) ? ' open' : ''}>${summary}<div class="spec-body">${meta(r, opts)}${problem(r, opts)}${endpoints(r)}${wire(r)}</div></details></section>`
  );
}

function meta(r: SpecResult, opts: SpecRenderOptions): string {
  const items = [
    `<span><span class="k">file</span> <code>${esc(r.file)}</code></span>`,
    `<span><span class="k">target</span> ${esc(targetsOf(r).join(', ') || '—')}</span>`,
    `<span><span class="k">duration</span> ${esc(formatDuration(r.durationMs))}</span>`,
  ];
  if (ipLabel(r)) items.push(`<span><span class="k">over</span> ${ipLabel(r)}</span>`);
  if (r.pcap) {
    const href = encodeURI(`${opts.pcapBase}${r.pcap}`);
    items.push(`<span><span class="k">capture</span> <a class="pcap" href="${esc(href)}" download>${esc(r.pcap)}</a></span>`);
  }
  return `<p class="meta">${items.join('')}</p>`;
}

function problem(r: SpecResult, opts: SpecRenderOptions): string {
  const out: string[] = [];
  if (r.reason) out.push(`<p class="reason r-${r.verdict}"><strong>${esc(VERDICT_LABEL[r.verdict])}:</strong> ${esc(stripAnsi(r.reason))}</p>`);
  if (r.diff) {
    const lines = stripAnsi(r.diff)
      .replace(/\s+$/, '')
      .split(/\r?\n/)
      .map((l) => {
        const c = classifyDiffLine(l);
        return `<span class="dl ${c.kind}">${esc(l)}</span>`;
      });
    // Block spans, no newlines between them: each line is a row the highlight spans whole.
    out.push(`<div class="diff-wrap"><div class="cap">expected (−) against observed (+)</div><pre class="diff">${lines.join('')}</pre></div>`);
  }
  for (const d of r.disagreements ?? []) out.push(`<p class="disagreement"><strong>observers disagree:</strong> ${esc(d)}</p>`);
  const tails = Object.entries(r.stderr ?? {}).filter(([, t]) => t.trim() !== '');
  for (const [name, text] of tails) {
    out.push(
      `<div class="stderr"><div class="cap">stderr of ${esc(name)} (last ${opts.stderrLines} lines)</div><pre>${esc(tailLines(stripAnsi(text), opts.stderrLines).join('\n'))}</pre></div>`,
    );
  }
  return out.length > 0 ? `<div class="problem">${out.join('')}</div>` : '';
}

function endpoints(r: SpecResult): string {
  const entries = Object.entries(r.endpoints);
  if (entries.length === 0) return '';
  const figs = entries.map(([name, e]) => endpointFigure(name, e)).join('');
  return `<h4>States</h4><div class="endpoints">${figs}</div>${legend()}`;
}

function endpointFigure(name: string, e: EndpointResult): string {
  const differs = endpointDiffers(e);
  const head =
    `<figcaption><span class="ep">${esc(name)}</span> ${esc(e.role)} · ${esc(e.target)} · <code>${esc(e.addr)}</code>` +
    (differs ? ' <span class="differs">differs from the spec</span>' : '') +
    `</figcaption>`;
  return (
    `<figure class="endpoint${differs ? ' has-diff' : ''}" data-endpoint="${esc(name)}">${head}` +
    `<div class="ep-grid"><div class="ep-diagram">${stateDiagram(endpointMarks(name, e))}</div>${pathTable(e)}</div></figure>`
  );
}

const MARK: Record<PathRow['kind'], string> = { same: '', missing: '−', unexpected: '+', transient: '~' };
const KIND_TEXT: Record<PathRow['kind'], string> = {
  same: 'as expected',
  missing: 'expected, not observed',
  unexpected: 'observed, not expected',
  transient: 'observed in passing; allowed without being expected',
};

/** Expected and observed side by side, one row per state, mismatches highlighted. */
export function pathTable(e: EndpointResult): string {
  const rows = alignPaths(e.expected, e.observed)
    .map((row) => {
      const o = row.observed;
      const sources = o ? (o.sources.length ? o.sources.map((s) => `<span class="src">${esc(s)}</span>`).join(' ') : '<span class="muted">none</span>') : '';
      const notes = (o?.notes ?? [])
        .map((n) => {
          const m = noteMeaning(n);
          return m ? `<abbr title="${esc(m)}">${esc(n)}</abbr>` : esc(n);
        })
        .join(', ');
      const transient = o?.transient ? ' <span class="muted">(transient)</span>' : '';
      return (
        `<tr class="row-${row.kind}" title="${esc(KIND_TEXT[row.kind])}" data-kind="${row.kind}">` +
        `<td class="mark" aria-label="${esc(KIND_TEXT[row.kind])}">${MARK[row.kind]}</td>` +
        `<td class="num">${row.step ?? ''}</td>` +
        `<td class="exp">${row.expected ? esc(row.expected) : '<span class="muted">—</span>'}</td>` +
        `<td class="obs">${o ? esc(o.state) + transient : '<span class="muted">—</span>'}</td>` +
        `<td class="num">${o ? ms(o.tMs) : ''}</td><td>${sources}</td><td class="notes">${notes}</td></tr>`
      );
    })
    .join('');
  return (
    `<table class="path"><thead><tr><th aria-label="difference"></th><th>#</th><th>expected</th><th>observed</th><th>t (ms)</th><th>seen by</th><th>notes</th></tr></thead>` +
    `<tbody>${rows}</tbody></table>`
  );
}

function legend(): string {
  return (
    `<ul class="legend" aria-label="Legend">` +
    `<li><span class="sw same"></span>expected and observed</li>` +
    `<li><span class="sw missing"></span>− expected, not observed</li>` +
    `<li><span class="sw unexpected"></span>+ observed, not expected</li>` +
    `<li><span class="sw transient"></span>~ observed in passing (transient)</li>` +
    `<li><span class="badge-sw">n</span>order in which the endpoint was observed in the state</li></ul>`
  );
}

function wire(r: SpecResult): string {
  return (
    `<h4>Segments</h4><div class="scroll">${ladder(r)}</div>` +
    `<details class="segtable"><summary>Segments as a table (${r.segments.length})</summary>${segmentTable(r)}</details>` +
    `<h4>Timelines</h4><div class="scroll">${timelines(r)}</div>`
  );
}
