import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { endpointMarks, undrawnTransitions } from '../../../harness/report/html/diagram.js';
import { esc } from '../../../harness/report/html/escape.js';
import { HtmlReporter } from '../../../harness/report/html/reporter.js';
import { htmlReport } from '../../../harness/report/html/page.js';
import { SCRIPT } from '../../../harness/report/html/script.js';
import { STYLE } from '../../../harness/report/html/style.js';
import { tempDir } from './fixtures.js';
import { realRun, spec, withAllFaults, withCoverage, withDeviation, withError, withHostileTitle, withIpVersions } from './real-results.js';

/** The HTML of one spec's entry. */
function entry(html: string, id: string): string {
  const start = html.indexOf(`<section class="spec" id="${id}"`);
  if (start < 0) throw new Error(`no entry ${id}`);
  return html.slice(start, html.indexOf('</section>', start));
}

/** Every `attr="value"` of the given attribute. */
const values = (html: string, attr: string): string[] => [...html.matchAll(new RegExp(`\\s${attr}="([^"]*)"`, 'g'))].map((m) => m[1]!);

describe('index.html', () => {
  const html = htmlReport(realRun());

  it('is one self-contained document: no external reference of any kind', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+stylesheet|<img|<iframe|@import|url\((?!#)/i);
    expect(values(html, 'src')).toEqual([]);
    // Links go to anchors, the favicon is a data: URL, and pcaps are relative files of the run.
    for (const href of values(html, 'href')) expect(href).toMatch(/^(#|data:,$|pcap\/)/);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
  });

  it('tells the browser to fetch nothing, allowing only its own style and script by hash', () => {
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)![1]!;
    const hash = (s: string): string => createHash('sha256').update(s).digest('base64');
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain(`style-src 'sha256-${hash(STYLE)}'`);
    expect(csp).toContain(`script-src 'sha256-${hash(SCRIPT)}'`);
    expect(html).toContain(`<style>${STYLE}</style>`);
    expect(html).toContain(`<script>${SCRIPT}</script>`);
    expect(html).not.toMatch(/\sstyle="/);
  });

  it('has an entry per spec, filterable by verdict and text, failures open', () => {
    const r = realRun();
    for (const s of r.results) {
      const e = entry(html, `spec-${s.spec}`);
      expect(e).toContain(`data-verdict="${s.verdict}"`);
      expect(e).toContain(`data-search="${s.spec.toLowerCase()}`);
      expect(e.includes('<details open>')).toBe(s.verdict === 'fail');
    }
    expect(html).toContain('<input type="checkbox" name="verdict" value="fail" checked>');
    expect(html).toContain('id="filter-text"');
  });

  it('shows the failing spec\'s difference: reason, diff, highlighted rows, coloured diagram edges', () => {
    const e = entry(html, 'spec-wrong.three-way');
    expect(e).toContain('observed states differ from expected for a');
    expect(e).toContain('<span class="dl missing">  - SYN_RCVD</span>');
    expect(e).toMatch(/<tr class="row-missing"[^>]*>.*?<td class="exp">SYN_RCVD<\/td>/);
    expect(e).toContain('differs from the spec');
    expect(e).toContain('<g class="node missing" data-state="SYN_RCVD"');
    expect(e).toContain('<g class="edge unexpected" data-edge="SYN_SENT-&gt;ESTABLISHED"');
    expect(e).toContain('<g class="edge missing" data-edge="SYN_SENT-&gt;SYN_RCVD"');
    expect(e).toContain(`href="pcap/wrong.three-way.pcap"`);
    // The attention list at the top links to it.
    expect(html).toMatch(/class="attention"[\s\S]*href="#spec-wrong.three-way"/);
  });

  it('numbers the observed path on the diagram and lists sources and notes', () => {
    const e = entry(html, 'spec-handshake.three-way');
    expect(e).toContain('<g class="node same" data-state="SYN_RCVD" data-node="SYN_RCVD" data-steps="3">');
    expect(e).toContain('<span class="src">tracepoint</span>');
    expect(e).toContain('<abbr title="the accepted child socket');
    const marks = endpointMarks('b', spec(realRun(), 'handshake.three-way').endpoints['b']!);
    expect([...marks.nodes].map(([n, m]) => [n, m.kind, m.badge])).toEqual([
      ['CLOSED', 'same', '1'],
      ['LISTEN', 'same', '2'],
      ['SYN_RCVD', 'same', '3'],
      ['ESTABLISHED', 'same', '4'],
    ]);
  });

  it('draws CLOSED after LAST_ACK at the figure\'s second CLOSED box, and transient detours apart', () => {
    const r = realRun();
    const lastAck = spec(r, 'close.last-ack-lost').endpoints['b']!;
    expect(endpointMarks('b', lastAck).nodes.get('CLOSED_END')?.badge).toBe('7');
    const fin = spec(r, 'close.fin-ack-in-fin-wait-1');
    const transient = Object.entries(fin.endpoints).map(([n, e]) => endpointMarks(n, e)).find((m) => [...m.edges.values()].some((x) => x.kind === 'transient'));
    expect(transient).toBeDefined();
  });

  it('draws every transition of the model', () => {
    expect(undrawnTransitions()).toEqual([]);
  });

  it('draws a ladder with one arrow per segment and the states beside the lines', () => {
    const r = realRun();
    const s = spec(r, 'close.last-ack-lost');
    const e = entry(html, 'spec-close.last-ack-lost');
    expect(e.match(/<g class="seg /g)).toHaveLength(s.segments.length);
    expect(e).toContain('data-flags="SYN" data-seq="0" data-ack="0" data-len="0"');
    expect(e).toMatch(/<g class="seg f-ack fault-dropped"[^>]*data-fault="dropped"/);
    expect(e).toContain('[dropped by the relay]');
    expect(e.match(/<g class="lstate /g)!.length).toBe(Object.values(s.endpoints).reduce((n, x) => n + x.observed.length, 0));
    expect(entry(html, 'spec-handshake.listener-close')).toContain('The relay carried no segment.');
  });

  it('marks every kind of wire fault distinctly (EDITED fixture)', () => {
    const e = entry(htmlReport(withAllFaults(realRun())), 'spec-handshake.three-way');
    for (const f of ['dropped', 'delayed', 'duplicated', 'held', 'injected']) expect(e).toContain(`data-fault="${f}"`);
    expect(e).toContain('class="cross"');
    expect(e).toContain('class="inject"');
    expect(e).toContain('class="shaft dup"');
    expect(e).toMatch(/held, released at \d+\.\d{3} ms/);
    expect(e).toMatch(/delayed, released at \d+\.\d{3} ms/);
    expect(e).toContain('injected by the harness');
    expect(e).toContain('class="release"');
  });

  it('draws the timelines to scale on one axis', () => {
    const e = entry(html, 'spec-close.simultaneous');
    expect(e).toContain('<svg class="timeline"');
    expect(e.match(/<g class="tl-lane"/g)).toHaveLength(2);
    expect(e.match(/<g class="tl-seg /g)).toHaveLength(spec(realRun(), 'close.simultaneous').segments.length);
    expect(e).toContain('class="tl-axis"');
  });

  it('shows an error\'s reason and the tail of the target\'s stderr, escape sequences removed (EDITED fixture)', () => {
    const e = entry(htmlReport(withError(realRun()), { stderrLines: 5 }), 'spec-handshake.three-way');
    expect(e).toContain('<details open>');
    expect(e).toContain('target reference exited with code 1 before it was ready');
    expect(e).toContain('stderr of reference (last 5 lines)');
    expect(e).toContain('line 50\nbind: Address already in use</pre>');
    expect(e).not.toContain('line 45');
    expect(e).not.toMatch(/\x1b|\x07/);
  });

  it('shows deviations and observer disagreements (EDITED fixture)', () => {
    const e = entry(htmlReport(withDeviation(realRun())), 'spec-close.simultaneous');
    expect(e).toContain('TIME_WAIT lasts 60 s on Linux');
    expect(e).toContain('<strong>observers disagree:</strong> a: the wire shows CLOSING');
  });

  it('escapes text from the results (EDITED fixture)', () => {
    const out = htmlReport(withHostileTitle(realRun()));
    expect(out).not.toContain('<script>alert(1)</script>');
    expect(out).toContain(esc('Evil <script>alert(1)</script>'));
    expect(out.match(/<script>/g)).toHaveLength(1);
  });

  it('gives each result over each IP version its own entry and matrix column (EDITED fixture)', () => {
    const out = htmlReport(withIpVersions(realRun()));
    expect(out).toContain('id="spec-wrong.three-way.ipv4"');
    expect(out).toContain('id="spec-wrong.three-way.ipv6"');
    expect(out).toContain('<th scope="col" class="tgt">reference · IPv4</th><th scope="col" class="tgt">reference · IPv6</th>');
    expect(out).toContain('href="pcap/wrong.three-way.ipv6.pcap"');
    const ids = values(out, 'id');
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('shows the run\'s matrix, coverage and environment', () => {
    expect(html).toContain('<caption>Specs by target</caption>');
    expect(html).toContain('<th scope="col" class="tgt">reference</th>');
    expect(html).toContain('Computed from the observed paths of the passing specs');
    expect(html).toMatch(/<b>States<\/b> \d+ of 11/);
    expect(html).toContain('<dt>kernel</dt>');
    const recorded = htmlReport(withCoverage(realRun()));
    expect(recorded).toContain('As recorded in results.json.');
    expect(recorded).toContain('<b>States</b> 5 of 11');
    expect(recorded).toContain('<tr class="missed" data-transition="FIN_WAIT_1-&gt;CLOSING">');
  });

  it('links pcaps through a prefix when the report is written outside the run folder', () => {
    expect(htmlReport(realRun(), { pcapBase: '../run 1/' })).toContain('href="../run%201/pcap/wrong.three-way.pcap"');
  });

  it('is written as index.html by the html reporter', async () => {
    const t = await tempDir();
    try {
      await new HtmlReporter(t.dir).onEnd(realRun());
      expect(await readFile(path.join(t.dir, 'index.html'), 'utf8')).toBe(html);
    } finally {
      await t.done();
    }
  });
});
