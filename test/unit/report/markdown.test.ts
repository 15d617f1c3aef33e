import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { code, fenced, githubDiff, MarkdownReporter, markdownSummary, text } from '../../../harness/report/markdown.js';
import { tempDir } from './fixtures.js';
import { realRun, withCoverage, withDeviation, withError, withHostileTitle, withIpVersions } from './real-results.js';

describe('summary.md', () => {
  const md = markdownSummary(realRun());

  it('starts with the totals as a heading', () => {
    expect(md.split('\n')[0]).toBe('## ❌ tcpconform: 1 failed, 6 passed');
    expect(md).toMatch(/^7 spec\(s\) in .* · run `[^`]+` · started .* · kernel `.+` · Node\.js `v\d+.*` · (short|real) timers · \d+ job\(s\)$/m);
  });

  it('has a table of every spec with its verdict', () => {
    const rows = md.split('\n').filter((l) => /^\| (✅|❌)/.test(l));
    expect(rows).toHaveLength(7);
    expect(md).toContain('| ❌ fail | `wrong.three-way` | Three-way handshake expecting the client in SYN_RCVD (wrong on purpose) | reference |');
    expect(md).toContain('| verdict | spec | title | target | duration |\n|---|---|---|---|--:|');
  });

  it('gives each failing spec its diff in a fenced diff block, markers in the first column', () => {
    const failures = md.slice(md.indexOf('### Failures and errors'), md.indexOf('### Specs'));
    expect(failures).toContain('#### ❌ `wrong.three-way`');
    expect(failures).toContain('observed states differ from expected for a');
    expect(failures).toContain('```diff\na (client, reference):\n    CLOSED  (tracepoint)\n    SYN_SENT  (tracepoint)\n-   SYN_RCVD\n    ESTABLISHED  (tracepoint, sock_diag)\n```');
  });

  it('counts coverage, computed or recorded', () => {
    expect(md).toMatch(/### RFC 9293 coverage\n\nStates \*\*\d+ of 11\*\* · transitions \*\*\d+ of \d+\*\* \(and 1 the sockets API cannot produce\) · from the observed paths of the passing specs/);
    const recorded = markdownSummary(withCoverage(realRun()));
    expect(recorded).toContain('States **5 of 11**');
    expect(recorded).toMatch(/States not covered: `FIN_WAIT_1`, /);
    expect(recorded).toContain('`FIN_WAIT_1 → CLOSING`');
  });

  it('shows errors with the stderr tail, deviations and disagreements (EDITED fixture)', () => {
    const out = markdownSummary(withDeviation(withError(realRun())));
    expect(out.split('\n')[0]).toBe('## ❌ tcpconform: 1 failed, 1 error, 1 deviation, 4 passed');
    expect(out).toContain('#### 💥 `handshake.three-way`');
    expect(out).toContain('stderr of `reference` (last lines):\n\n```text\nline 32\n');
    expect(out).toContain('bind: Address already in use\n```');
    expect(out).not.toMatch(/\x1b|\x07/);
    expect(out).toContain('### Documented deviations\n\n- `close.simultaneous`: TIME_WAIT lasts 60 s on Linux, not 2\\*MSL (RFC 9293 MUST-13)');
    expect(out).toContain('### Observers disagree\n\n- `close.simultaneous`: a: the wire shows CLOSING');
  });

  it('cannot be broken by what a title holds (EDITED fixture)', () => {
    const out = markdownSummary(withHostileTitle(realRun()));
    const row = out.split('\n').find((l) => l.includes('handshake.three-way') && l.startsWith('|'))!;
    expect(row).toContain('Evil &lt;script&gt;alert(1)&lt;/script&gt; \\| \\*bold\\* \\`tick\\` \\[link\\](http://example.invalid) & "quotes"');
    // Five cells: the pipe in the title did not add one.
    expect(row.split(/(?<!\\)\|/).length - 2).toBe(5);
  });

  it('names the IP version when results carry it (EDITED fixture)', () => {
    expect(markdownSummary(withIpVersions(realRun()))).toContain('| `wrong.three-way` | Three-way handshake expecting the client in SYN_RCVD (wrong on purpose) | reference · IPv6 |');
  });

  it('reports an empty run plainly', () => {
    const run = realRun();
    run.results = [];
    expect(markdownSummary(run).split('\n')[0]).toBe('## ➖ tcpconform: nothing ran');
  });

  it('is written as summary.md by the markdown reporter', async () => {
    const t = await tempDir();
    try {
      await new MarkdownReporter(t.dir).onEnd(realRun());
      expect(await readFile(path.join(t.dir, 'summary.md'), 'utf8')).toBe(md);
    } finally {
      await t.done();
    }
  });
});

describe('markdown helpers', () => {
  it('moves diff markers to the first column and keeps context lines context', () => {
    expect(githubDiff('a:\n    X\n  - Y\n  + Z')).toBe('a:\n    X\n-   Y\n+   Z');
    expect(githubDiff('- Y\n+ Z\n  X')).toBe('- Y\n+ Z\n  X');
  });

  it('fences and quotes content that holds backticks', () => {
    expect(fenced('text', 'a ``` b')).toEqual(['````text', 'a ``` b', '````']);
    expect(code('a`b')).toBe('``a`b``');
    expect(code('`x')).toBe('`` `x ``');
  });

  it('escapes markup but leaves words readable', () => {
    expect(text('FIN_WAIT_1 and _em_ and *b*')).toBe('FIN_WAIT_1 and \\_em\\_ and \\*b\\*');
    expect(text('# not a heading')).toBe('\\# not a heading');
    expect(text('1. not a list')).toBe('1\\. not a list');
    expect(text('<b>x</b>\nnext')).toBe('&lt;b&gt;x&lt;/b&gt; next');
  });
});
