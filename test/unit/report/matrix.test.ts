import { Value } from '@sinclair/typebox/value';
import { MatrixResultSchema, type MatrixCell, type MatrixResult } from '../../../harness/matrix/schema.js';
import { renderMatrixHtml } from '../../../harness/report/html/matrix.js';
import { diffMatrices, renderMatrixText } from '../../../harness/report/matrix-console.js';

/** The matrix's console grid, diff and HTML page, from a small matrix.json written here. */

function cell(id: string, verdict: MatrixCell['verdict'], send: string[], extra: Partial<MatrixCell> = {}): MatrixCell {
  const [, state, kind, position] = id.split('.') as [string, MatrixCell['state'], MatrixCell['kind'], MatrixCell['position']];
  return {
    id,
    state,
    kind,
    position,
    verdict,
    sent: `${kind} seq=1`,
    expected: { send: ['RST'], states: ['CLOSED'], app: ['connection reset'], rule: 'SYN in the window: RST', cites: [{ section: '3.10.7.4', text: 'If the SYN is in the window it is an error' }] },
    observed: { send, states: [], retransmissions: 0, timeline: [] },
    durationMs: 40,
    ...extra,
  };
}

function matrix(target: string, cells: MatrixCell[]): MatrixResult {
  const totals: Record<string, number> = {};
  for (const c of cells) totals[c.verdict] = (totals[c.verdict] ?? 0) + 1;
  return {
    tool: { name: 'tcpconform', version: '0.1.0' },
    kind: 'matrix',
    run: 'abc123',
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 21000,
    target: { id: target, title: `${target} <b>stack</b>` },
    profile: 'rfc9293',
    environment: { kernel: '6.18', node: 'v20', jobs: 8, ip: 4 },
    totals,
    cells,
  };
}

const A = matrix('reference', [
  cell('matrix.ESTABLISHED.SYN.exact', 'deviation', ['ACK seq=1 ack=1'], { reason: 'RFC 5961 <script>x</script>' }),
  cell('matrix.ESTABLISHED.SYN.in-window', 'pass', ['RST']),
  cell('matrix.TIME_WAIT.SYN.exact', 'fail', ['ACK seq=2 ack=2']),
]);
const B = matrix('other', [
  cell('matrix.ESTABLISHED.SYN.exact', 'pass', ['RST']),
  cell('matrix.ESTABLISHED.SYN.in-window', 'pass', ['RST']),
  cell('matrix.TIME_WAIT.SYN.exact', 'fail', ['ACK seq=2 ack=2']),
]);

test('the fixture is a valid matrix.json', () => {
  expect(Value.Check(MatrixResultSchema, A)).toBe(true);
});

test('the console grid has a row per state, a mark per position, and the cells that did not pass', () => {
  const text = renderMatrixText(A, { color: false });
  expect(text).toContain('matrix: target reference, profile rfc9293, IPv4, 3 cells in 21.0 s');
  expect(text).toMatch(/^ESTABLISHED +D\.$/m);
  expect(text).toMatch(/^TIME_WAIT +F$/m);
  expect(text).toContain('1 pass, 1 deviation, 1 fail');
  expect(text).toContain('fail       matrix.TIME_WAIT.SYN.exact\n    sent      SYN seq=1\n    expected  RST; CLOSED  (SYN in the window: RST)\n    observed  ACK seq=2 ack=2; same state');
  expect(text).not.toContain('matrix.ESTABLISHED.SYN.in-window');
  expect(renderMatrixText(A, { color: true })).toContain('\x1b[31mF\x1b[0m');
});

test('the diff names the cells whose verdict or reaction differs, and only those', () => {
  const text = diffMatrices(A, B);
  expect(text).toContain('matrix.ESTABLISHED.SYN.exact\n    reference    deviation       ACK seq=1 ack=1; same state\n    other        pass            RST; same state');
  expect(text).not.toContain('in-window');
  expect(text).not.toContain('TIME_WAIT');
  expect(text).toMatch(/1 cell\(s\) differ\n$/);
  expect(diffMatrices(A, A)).toMatch(/no cell differs\n$/);
});

test('the HTML page holds a coloured box per cell with its reaction, its RFC text, and escaped text', () => {
  const html = renderMatrixHtml(A);
  expect(html.match(/<details class="cell /g)).toHaveLength(3);
  expect(html).toContain('class="cell v-deviation" data-cell="matrix.ESTABLISHED.SYN.exact"');
  expect(html).toContain('RFC 9293 §3.10.7.4: “If the SYN is in the window it is an error”');
  expect(html).toContain('RFC 5961 &lt;script&gt;x&lt;/script&gt;');
  expect(html).toContain('reference &lt;b&gt;stack&lt;/b&gt;');
  expect(html).not.toContain('<script');
  expect(html).toMatch(/Content-Security-Policy" content="default-src 'none'; style-src 'sha256-/);
});
