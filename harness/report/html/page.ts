import type { RunResult } from '../../run/results.js';
import { totalsLine } from '../verdicts.js';
import { diagramDefs } from './diagram.js';
import { esc } from './escape.js';
import { pageHead } from './head.js';
import { ladderDefs } from './ladder.js';
import { Anchors } from './anchors.js';
import { attention, coverageSection, environment, header, matrix, toolbar } from './overview.js';
import { SCRIPT } from './script.js';
import { specSection, type SpecRenderOptions } from './spec.js';
import { STYLE } from './style.js';

/**
 * The whole report as one HTML document: styles, script and drawings
 * inline, nothing fetched. The Content-Security-Policy says so to the
 * browser as well: `default-src 'none'` with the inline style and script
 * allowed by their hashes, so even text from a results file that slipped
 * through escaping could neither load nor run anything.
 */

export interface HtmlOptions extends Partial<SpecRenderOptions> {}

export function htmlReport(run: RunResult, opts: HtmlOptions = {}): string {
  const specOpts: SpecRenderOptions = { pcapBase: opts.pcapBase ?? '', stderrLines: opts.stderrLines ?? 40 };
  const anchors = new Anchors(run);
  const specs = run.results.map((r, i) => specSection(r, specOpts, anchors.of(i))).join('\n');
  return `<!doctype html>
<html lang="en">
${pageHead({ title: `tcpconform ${run.run}: ${totalsLine(run)}`, style: STYLE, script: SCRIPT, generator: `${run.tool.name} ${run.tool.version}` })}
<body>
<a class="skip" href="#specs">Skip to the specs</a>
${header(run)}
${attention(run, anchors)}
<main>
${toolbar(run)}
<section id="overview" aria-label="Specs by target">${matrix(run, anchors)}</section>
<section id="specs" aria-labelledby="specs-h"><h2 id="specs-h">Specs</h2>
${diagramDefs()}${ladderDefs()}
${specs}
</section>
${coverageSection(run, anchors)}
${environment(run)}
</main>
<footer>Written by ${esc(`${run.tool.name} ${run.tool.version}`)} from results.json. Rebuild with <code>tcpconform report results.json</code>.</footer>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
