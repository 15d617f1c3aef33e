import { findTransition } from '../../model/transitions.js';
import type { State } from '../../model/states.js';
import type { RunResult } from '../../run/results.js';
import { coverageCounts, runCoverage } from '../coverage.js';
import { countVerdicts, formatDuration, stripAnsi, VERDICT_ORDER } from '../format.js';
import { columnKeysOf, ipLabel, matrixColumns, runTargets, totalsLine, VERDICT_LABEL } from '../verdicts.js';
import type { Anchors } from './anchors.js';
import { coverageMarks, stateDiagram } from './diagram.js';
import { esc } from './escape.js';
import { searchText, verdictBadge } from './spec.js';

/** The run-level parts of the page: totals, the targets x specs matrix, coverage, environment. */

export function header(run: RunResult): string {
  const counts = countVerdicts(run.results);
  const chips = VERDICT_ORDER.filter((v) => counts.has(v))
    .map((v) => `<span class="total v-${v}"><b>${counts.get(v)}</b> ${esc(VERDICT_LABEL[v])}</span>`)
    .join('');
  return (
    `<header class="top"><h1>tcpconform report</h1>` +
    `<p class="sub">run <code>${esc(run.run)}</code> · started ${esc(run.startedAt)} · ${esc(formatDuration(run.durationMs))} · ${run.results.length} spec(s) · ${esc(totalsLine(run))}</p>` +
    `<p class="totals" aria-label="Totals">${chips}</p></header>`
  );
}

/** The specs that failed or errored, first thing on the page, each linking to its entry. */
export function attention(run: RunResult, anchors: Anchors): string {
  const bad = run.results.map((r, i) => ({ r, i })).filter(({ r }) => r.verdict === 'fail' || r.verdict === 'error');
  if (bad.length === 0) return '';
  const items = bad
    .map(
      ({ r, i }) =>
        `<li>${verdictBadge(r.verdict)}<a href="#${esc(anchors.of(i))}">${esc(r.spec)}</a>${ipLabel(r) ? `<span class="ip">${ipLabel(r)}</span>` : ''}<span>${esc(stripAnsi(r.reason ?? r.title))}</span></li>`,
    )
    .join('');
  return `<section class="attention" aria-labelledby="attention-h"><h2 id="attention-h">Needs attention (${bad.length})</h2><ul>${items}</ul></section>`;
}

/** Verdict checkboxes and the text filter; the script makes them work. */
export function toolbar(run: RunResult): string {
  const counts = countVerdicts(run.results);
  const boxes = VERDICT_ORDER.map(
    (v) =>
      `<label class="chip v-${v}${counts.has(v) ? '' : ' none'}"><input type="checkbox" name="verdict" value="${v}" checked> ${esc(VERDICT_LABEL[v])} <span class="n">${counts.get(v) ?? 0}</span></label>`,
  ).join('');
  return (
    `<div class="toolbar" role="search" id="filters">` +
    `<fieldset class="verdicts"><legend>Verdicts</legend>${boxes}</fieldset>` +
    `<label class="text"><span>Filter</span> <input type="search" id="filter-text" placeholder="spec id or title" autocomplete="off"></label>` +
    `<span class="buttons"><button type="button" id="expand-all">Expand all</button><button type="button" id="collapse-all">Collapse all</button></span>` +
    `<output id="shown" aria-live="polite">${run.results.length} of ${run.results.length} specs shown</output></div>`
  );
}

/**
 * Specs down, targets across (one column per target and IP version when
 * the results name IP versions): each cell is the verdict that target got,
 * linking to the spec's entry.
 */
export function matrix(run: RunResult, anchors: Anchors): string {
  const columns = matrixColumns(run);
  const rows = new Map<string, { index: number; r: RunResult['results'][number] }[]>();
  run.results.forEach((r, index) => rows.set(r.spec, [...(rows.get(r.spec) ?? []), { index, r }]));
  const longest = Math.max(1, ...[...rows.values()].map((list) => list.reduce((sum, x) => sum + x.r.durationMs, 0)));
  const head =
    `<tr><th scope="col">spec</th><th scope="col">title</th>${columns.map((c) => `<th scope="col" class="tgt">${esc(c.label)}</th>`).join('')}` +
    `<th scope="col">duration</th></tr>`;
  const body = [...rows.entries()]
    .map(([spec, list]) => {
      const cells = columns
        .map((c) => {
          const hit = list.find((x) => columnKeysOf(x.r).includes(c.key));
          if (!hit) return `<td class="cell muted" title="${esc(`not run against ${c.label}`)}">·</td>`;
          return `<td class="cell"><a class="cell-link" href="#${esc(anchors.of(hit.index))}" aria-label="${esc(`${spec} on ${c.label}: ${VERDICT_LABEL[hit.r.verdict]}`)}">${verdictBadge(hit.r.verdict)}</a></td>`;
        })
        .join('');
      const ms = list.reduce((sum, x) => sum + x.r.durationMs, 0);
      const w = Math.max(1, Math.round((ms / longest) * 120));
      const verdicts = [...new Set(list.map((x) => x.r.verdict))].join(' ');
      const first = list[0]!;
      return (
        `<tr data-verdict="${verdicts}" data-search="${esc(searchText(first.r))}"><th scope="row"><a href="#${esc(anchors.of(first.index))}">${esc(spec)}</a></th>` +
        `<td class="title">${esc(first.r.title)}</td>${cells}` +
        `<td class="dur"><svg class="bar" width="124" height="10" aria-hidden="true"><rect x="0" y="1" width="${w}" height="8" rx="2"/></svg> ${esc(formatDuration(ms))}</td></tr>`
      );
    })
    .join('');
  return `<table class="matrix"><caption>Specs by target</caption><thead>${head}</thead><tbody>${body}</tbody></table>`;
}

export function coverageSection(run: RunResult, anchors: Anchors): string {
  const c = runCoverage(run);
  const n = coverageCounts(c);
  const source =
    c.source === 'results'
      ? 'As recorded in results.json.'
      : 'Computed from the observed paths of the passing specs (pass and deviation).';
  const specLink = (id: string): string => `<a href="#${esc(anchors.ofSpec(id))}">${esc(id)}</a>`;
  const states = [...c.states]
    .map(
      ([s, ids]) =>
        `<tr class="${ids.length ? 'covered' : 'missed'}"><th scope="row">${esc(s)}</th><td class="num">${ids.length}</td><td>${ids.map(specLink).join(', ') || '<span class="muted">none</span>'}</td></tr>`,
    )
    .join('');
  const transitions = [...c.transitions]
    .map(([t, ids]) => {
      const [from, to] = t.split('->') as [State, State];
      const def = findTransition(from, to);
      const why = c.unreachable.get(t);
      const cls = why ? 'unreachable' : ids.length ? 'covered' : 'missed';
      const specs = why ? `<span class="muted">not reachable: ${esc(why)}</span>` : ids.map(specLink).join(', ') || '<span class="muted">none</span>';
      return `<tr class="${cls}" data-transition="${esc(t)}"><th scope="row">${esc(from)} → ${esc(to)}</th><td>${esc(def?.events.join('; ') ?? '')}</td><td class="num">${ids.length}</td><td>${specs}</td></tr>`;
    })
    .join('');
  return (
    `<section class="coverage" id="coverage" aria-labelledby="coverage-h"><h2 id="coverage-h">RFC 9293 coverage</h2>` +
    `<p class="cov-sum"><b>States</b> ${n.states.covered} of ${n.states.total} · <b>Transitions</b> ${n.transitions.covered} of ${n.transitions.total}` +
    (n.transitions.unreachable ? ` (and ${n.transitions.unreachable} the sockets API cannot produce)` : '') +
    `. <span class="muted">${esc(source)}</span></p>` +
    `<div class="cov-grid"><div class="cov-diagram">${stateDiagram(coverageMarks(c), 'big')}` +
    `<ul class="legend"><li><span class="sw covered"></span>covered (badge: passing specs)</li><li><span class="sw missed"></span>not covered</li><li><span class="sw unreachable"></span>not reachable through the sockets API</li></ul></div>` +
    `<div class="cov-tables"><table class="cov"><caption>States</caption><thead><tr><th>state</th><th>specs</th><th>observed in</th></tr></thead><tbody>${states}</tbody></table>` +
    `<table class="cov"><caption>Transitions</caption><thead><tr><th>transition</th><th>events (RFC 9293)</th><th>specs</th><th>observed in</th></tr></thead><tbody>${transitions}</tbody></table></div></div></section>`
  );
}

export function environment(run: RunResult): string {
  const env = run.environment;
  const rows: [string, string][] = [
    ['tool', `${run.tool.name} ${run.tool.version}`],
    ['run', run.run],
    ['started', run.startedAt],
    ['duration', formatDuration(run.durationMs)],
    ['specs', String(run.results.length)],
    ['targets', runTargets(run).join(', ') || '—'],
    ['kernel', env.kernel],
    ['Node.js', env.node],
    ...(Array.isArray((env as { ip?: unknown }).ip) ? [['IP versions', ((env as { ip?: unknown[] }).ip ?? []).map((v) => `IPv${String(v)}`).join(', ')] as [string, string]] : []),
    ['protocol timers', env.timers === 'short' ? 'short (shortened inside the labs)' : 'real'],
    ['parallel jobs', String(env.jobs)],
  ];
  return (
    `<section class="env" id="environment" aria-labelledby="env-h"><h2 id="env-h">Environment</h2><dl>` +
    rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('') +
    `</dl></section>`
  );
}
