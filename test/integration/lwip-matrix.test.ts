import fs from 'node:fs';
import path from 'node:path';
import type { MatrixCell, MatrixResult } from '../../harness/matrix/schema.js';
import { tcpconform, tempDir } from './helpers.js';

/**
 * `tcpconform matrix` against the lwIP target for real: a few states of the
 * grid, run against lwIP 2.1.3 on its TAP device, judged from the wire and
 * the program's self-report. The verdicts are the ones targets/lwip.yaml
 * documents: RFC 5961's challenge ACKs, RFC 1337's TIME_WAIT and no
 * simultaneous open are deviations; the rest passes.
 */

const out = tempDir('lwip-matrix');
let result: MatrixResult;
let exitCode: number;

beforeAll(async () => {
  const r = await tcpconform(['matrix', '--target', 'lwip', '--state', 'SYN_SENT,ESTABLISHED,TIME_WAIT', '--segment', 'SYN,RST', '--out', out, '--no-color']);
  exitCode = r.exitCode;
  const dir = fs.realpathSync(path.join(out, 'matrix', 'latest'));
  result = JSON.parse(fs.readFileSync(path.join(dir, 'matrix.json'), 'utf8')) as MatrixResult;
}, 60_000);

afterAll(() => {
  fs.rmSync(out, { recursive: true, force: true });
});

function cell(id: string): MatrixCell {
  const c = result.cells.find((x) => x.id === `matrix.${id}`);
  if (!c) throw new Error(`no cell matrix.${id}`);
  return c;
}

test('every cell of the subset gets the verdict targets/lwip.yaml accounts for', () => {
  expect(exitCode).toBe(0);
  const verdicts = Object.fromEntries(result.cells.map((c) => [c.id.replace(/^matrix\./, ''), c.verdict]));
  expect(verdicts).toEqual({
    'SYN_SENT.SYN.any': 'deviation',
    'SYN_SENT.RST.any': 'pass',
    'ESTABLISHED.SYN.exact': 'deviation',
    'ESTABLISHED.SYN.in-window': 'deviation',
    'ESTABLISHED.SYN.out-of-window': 'pass',
    'ESTABLISHED.RST.exact': 'pass',
    'ESTABLISHED.RST.in-window': 'deviation',
    'ESTABLISHED.RST.out-of-window': 'pass',
    'TIME_WAIT.SYN.exact': 'deviation',
    'TIME_WAIT.SYN.in-window': 'deviation',
    'TIME_WAIT.SYN.out-of-window': 'pass',
    'TIME_WAIT.RST.exact': 'deviation',
    'TIME_WAIT.RST.in-window': 'deviation',
    'TIME_WAIT.RST.out-of-window': 'pass',
  });
});

test('judges what lwIP did on the wire and reported of itself', () => {
  const rst = cell('ESTABLISHED.RST.exact');
  expect(rst.observed?.send).toEqual([]);
  expect(rst.observed?.states).toEqual(['CLOSED']);
  expect(rst.observed?.timeline.at(-1)?.sources).toEqual(expect.arrayContaining(['wire', 'self-report']));
  const syn = cell('ESTABLISHED.SYN.exact');
  expect(syn.observed?.send).toEqual(['ACK seq=1 ack=1']);
  expect(syn.observed?.states).toEqual([]);
  expect(syn.reason).toMatch(/RFC 5961/);
  // TIME_WAIT keeps its ground: a RST is dropped, a SYN in the window gets a reset.
  expect(cell('TIME_WAIT.RST.exact').observed?.send).toEqual([]);
  expect(cell('TIME_WAIT.RST.exact').observed?.states).toEqual([]);
  expect(cell('TIME_WAIT.SYN.in-window').observed?.send).toEqual([expect.stringMatching(/^RST\+ACK seq=-?\d+ ack=1003$/)]);
  expect(cell('SYN_SENT.SYN.any').observed?.send).toEqual([]);
});

test('refuses IPv6 for a userspace stack with exit 2, before starting anything', async () => {
  const r = await tcpconform(['matrix', '--target', 'lwip', '--ip', '6', '--out', out]);
  expect(r.exitCode).toBe(2);
  expect(r.stderr).toMatch(/lwip\.yaml:1:1: error\[userspace-ipv4-only\].*--ip 4/);
});
