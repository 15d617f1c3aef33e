import type { MatrixCell, MatrixResult } from '../../matrix/schema.js';
import { SEGMENT_KINDS } from '../../model/reaction.js';
import { STATES } from '../../model/states.js';
import { esc } from './escape.js';
import { pageHead } from './head.js';
import { reactionText } from '../matrix-console.js';

/**
 * `matrix.html`: the grid as one offline page. States down, segment kinds
 * across; each cell holds one box per position, coloured by verdict, whose
 * title (hover) gives the verdict and the reaction, and which opens
 * (click) to the segment sent, expected and observed reactions, the
 * oracle's rule and the RFC 9293 sentences it cites. No script: <details>
 * does the expanding, and the Content-Security-Policy allows nothing else.
 */

const POSITION_LABEL: Record<string, string> = {
  any: 'any',
  exact: 'exact',
  'in-window': 'in',
  'out-of-window': 'out',
  'ack-acceptable': 'ack ok',
  'ack-unacceptable': 'bad ack',
};

const STYLE = `
:root { color-scheme: light dark; --bg: #fff; --fg: #1f2328; --panel: #f6f8fa; --line: #d0d7de;
  --pass: #1a7f37; --fail: #cf222e; --deviation: #9a6700; --error: #8250df; --skipped: #1b7c83; --na: #6e7781; }
@media (prefers-color-scheme: dark) { :root { --bg: #0d1117; --fg: #e6edf3; --panel: #161b22; --line: #30363d;
  --pass: #3fb950; --fail: #f85149; --deviation: #d29922; --error: #ab7df8; --skipped: #39c5cf; --na: #9198a1; } }
body { font: 14px/1.4 system-ui, sans-serif; background: var(--bg); color: var(--fg); margin: 16px; }
table.grid { border-collapse: collapse; }
.grid th, .grid td { border: 1px solid var(--line); padding: 3px; vertical-align: top; }
.grid th { background: var(--panel); font-weight: 600; text-align: left; }
.grid td { min-width: 90px; }
details.cell { display: block; margin: 1px 0; }
details.cell > summary { list-style: none; cursor: pointer; padding: 1px 5px; border-radius: 3px; color: #fff; font-size: 12px; white-space: nowrap; }
details.cell > summary::-webkit-details-marker { display: none; }
.v-pass > summary { background: var(--pass); } .v-fail > summary { background: var(--fail); }
.v-deviation > summary { background: var(--deviation); } .v-error > summary { background: var(--error); }
.v-skipped > summary { background: var(--skipped); } .v-not-applicable > summary { background: var(--na); }
details.cell[open] > .detail { position: absolute; z-index: 2; max-width: 560px; background: var(--panel); border: 1px solid var(--line);
  border-radius: 6px; padding: 8px 10px; box-shadow: 0 4px 14px rgba(0,0,0,.25); }
.detail dt { font-weight: 600; } .detail dd { margin: 0 0 4px 0; font-family: ui-monospace, monospace; font-size: 12px; }
.detail blockquote { margin: 4px 0; padding-left: 8px; border-left: 3px solid var(--line); font-size: 12px; }
.totals span { margin-right: 12px; font-weight: 600; }
.t-pass { color: var(--pass); } .t-fail { color: var(--fail); } .t-deviation { color: var(--deviation); }
.t-error { color: var(--error); } .t-not-applicable { color: var(--na); }
`;

function cellHtml(c: MatrixCell): string {
  const title = [
    `${c.id}: ${c.verdict}`,
    `expected: ${reactionText(c.expected.send, c.expected.states)}`,
    ...(c.observed ? [`observed: ${reactionText(c.observed.send, c.observed.states)}`] : []),
    ...(c.reason ? [c.reason] : []),
  ].join('\n');
  const rows: string[] = [];
  if (c.sent) rows.push(`<dt>sent</dt><dd>${esc(c.sent)}</dd>`);
  rows.push(`<dt>expected</dt><dd class="expected">${esc(reactionText(c.expected.send, c.expected.states))}</dd>`);
  if (c.observed) rows.push(`<dt>observed</dt><dd class="observed">${esc(reactionText(c.observed.send, c.observed.states))}${c.observed.retransmissions ? esc(` (+${c.observed.retransmissions} retransmission(s), not judged)`) : ''}</dd>`);
  if (c.expected.app.length) rows.push(`<dt>application is told</dt><dd>${esc(c.expected.app.join(', '))} (not observed)</dd>`);
  if (c.reason) rows.push(`<dt>reason</dt><dd>${esc(c.reason)}</dd>`);
  rows.push(`<dt>rule</dt><dd>${esc(c.expected.rule)}</dd>`);
  const cites = c.expected.cites.map((q) => `<blockquote cite="https://www.rfc-editor.org/rfc/rfc9293#section-${esc(q.section)}">RFC 9293 §${esc(q.section)}: “${esc(q.text)}”</blockquote>`).join('');
  const pcap = c.pcap ? `<p><a href="${esc(c.pcap)}">pcap</a></p>` : '';
  return `<details class="cell v-${esc(c.verdict)}" data-cell="${esc(c.id)}" data-verdict="${esc(c.verdict)}"><summary title="${esc(title)}">${esc(POSITION_LABEL[c.position] ?? c.position)}</summary><div class="detail"><dl>${rows.join('')}</dl>${cites}${pcap}</div></details>`;
}

export function renderMatrixHtml(m: MatrixResult): string {
  const kinds = SEGMENT_KINDS.filter((k) => m.cells.some((c) => c.kind === k));
  const states = STATES.filter((s) => m.cells.some((c) => c.state === s));
  const head = `<tr><th scope="col">state \\ segment</th>${kinds.map((k) => `<th scope="col">${esc(k)}</th>`).join('')}</tr>`;
  const body = states
    .map((s) => `<tr data-state="${esc(s)}"><th scope="row">${esc(s)}</th>${kinds.map((k) => `<td data-kind="${esc(k)}">${m.cells.filter((c) => c.state === s && c.kind === k).map(cellHtml).join('')}</td>`).join('')}</tr>`)
    .join('\n');
  const totals = Object.entries(m.totals).map(([v, n]) => `<span class="t-${esc(v)}">${n} ${esc(v)}</span>`).join('');
  return `<!doctype html>
<html lang="en">
${pageHead({ title: `tcpconform matrix: ${m.target.id} (${m.profile})`, style: STYLE })}
<body>
<h1>State-by-segment matrix: ${esc(m.target.id)}</h1>
<p>${esc(m.target.title)}. Profile <strong>${esc(m.profile)}</strong>; run ${esc(m.run)} at ${esc(m.startedAt)}, ${m.cells.length} cells in ${(m.durationMs / 1000).toFixed(1)} s (IPv${m.environment.ip}, kernel ${esc(m.environment.kernel)}, ${m.environment.jobs} jobs).</p>
<p class="totals">${totals}</p>
<p>Each box is one position of the segment in the target's sequence space (exact: at RCV.NXT; in: in the window past it; out: beyond the window; bad ack: acknowledging data never sent). Hover for the reaction, click for the RFC 9293 text.</p>
<table class="grid">
<thead>${head}</thead>
<tbody>
${body}
</tbody>
</table>
<footer><p>Written by ${esc(`${m.tool.name} ${m.tool.version}`)} from matrix.json.</p></footer>
</body>
</html>
`;
}
