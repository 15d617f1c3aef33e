import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Value } from '@sinclair/typebox/value';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { MatrixResultSchema, type MatrixCell, type MatrixResult } from '../../harness/matrix/schema.js';
import { tcpconform, tempDir } from './helpers.js';

/**
 * `tcpconform matrix` for real: part of the grid against the reference
 * (Linux in the lab's namespaces), the same against a target file that
 * documents no deviation and has no client role, the diff of the two, and
 * the HTML grid in a real headless Chromium (Debian's, driven by
 * playwright-core; skipped with a message only where it is absent outside CI).
 */

const CHROMIUM = '/usr/bin/chromium';
const noBrowser = !fs.existsSync(CHROMIUM) && !process.env['CI'];
if (noBrowser) console.warn(`matrix.test.ts: the browser tests are skipped: ${CHROMIUM} is absent (apt-get install -y chromium); in CI they run and fail instead`);

const out = tempDir('matrix');
const SUBSET = ['--state', 'ESTABLISHED,SYN_SENT,TIME_WAIT', '--segment', 'SYN,RST,data'];

function latest(dir: string): { result: MatrixResult; dir: string } {
  const d = fs.realpathSync(path.join(dir, 'matrix', 'latest'));
  return { result: JSON.parse(fs.readFileSync(path.join(d, 'matrix.json'), 'utf8')) as MatrixResult, dir: d };
}

function cell(m: MatrixResult, id: string): MatrixCell {
  const c = m.cells.find((x) => x.id === id);
  if (!c) throw new Error(`no cell ${id}`);
  return c;
}

let reference: { result: MatrixResult; dir: string; stdout: string; exitCode: number };
let bare: { result: MatrixResult; dir: string; exitCode: number };

beforeAll(async () => {
  const r = await tcpconform(['matrix', ...SUBSET, '--out', path.join(out, 'ref'), '--no-color']);
  reference = { ...latest(path.join(out, 'ref')), stdout: r.stdout + r.stderr, exitCode: r.exitCode };
  // The reference programs without the reference's deviations, and as a server only.
  const targetFile = path.join(out, 'bare.yaml');
  fs.writeFileSync(
    targetFile,
    ['id: bare', 'title: the reference server, no deviations documented', 'stack: kernel', 'control: protocol', 'roles:', "  server: { argv: ['{reference}/tcpref-server'] }", ''].join('\n'),
  );
  // Over IPv6, to run the grid's other address family too.
  const b = await tcpconform(['matrix', '--target', targetFile, '--ip', '6', '--state', 'ESTABLISHED,SYN_SENT', '--segment', 'SYN,RST', '--out', path.join(out, 'bare'), '--no-color']);
  bare = { ...latest(path.join(out, 'bare')), exitCode: b.exitCode };
}, 170_000);

afterAll(() => {
  fs.rmSync(out, { recursive: true, force: true });
});

describe('tcpconform matrix against the reference', () => {
  test('runs every cell of the subset and writes a matrix.json that its schema accepts', () => {
    expect(reference.exitCode).toBe(0);
    expect(Value.Check(MatrixResultSchema, reference.result)).toBe(true);
    // ESTABLISHED and TIME_WAIT: SYN and RST at 3 positions, data at 4; SYN_SENT: SYN, RST at 1, data at 2.
    expect(reference.result.cells).toHaveLength(2 * (3 + 3 + 4) + (1 + 1 + 2));
    expect(reference.result.cells.every((c) => c.verdict === 'pass' || c.verdict === 'deviation')).toBe(true);
  });

  test('judges what the kernel did: RST at RCV.NXT closes, data is acknowledged, a SYN gets a challenge ACK', () => {
    const m = reference.result;
    const rst = cell(m, 'matrix.ESTABLISHED.RST.exact');
    expect(rst.verdict).toBe('pass');
    expect(rst.observed?.states).toEqual(['CLOSED']);
    expect(rst.observed?.send).toEqual([]);
    const data = cell(m, 'matrix.ESTABLISHED.data.exact');
    expect(data.verdict).toBe('pass');
    expect(data.observed?.send).toEqual(['ACK seq=1 ack=101']);
    const syn = cell(m, 'matrix.ESTABLISHED.SYN.exact');
    expect(syn.verdict).toBe('deviation');
    expect(syn.reason).toMatch(/RFC 5961/);
    expect(syn.observed?.send).toEqual(['ACK seq=1 ack=1']);
    expect(syn.expected.cites.some((c) => c.section === '3.10.7.4' && c.text.includes('If the SYN is in the window it is an error'))).toBe(true);
    expect(cell(m, 'matrix.SYN_SENT.RST.any').verdict).toBe('pass');
  });

  test('prints the grid and the cells that did not pass', () => {
    expect(reference.stdout).toMatch(/^ESTABLISHED +\S+ +\S+ +\S+/m);
    expect(reference.stdout).toContain('deviation  matrix.ESTABLISHED.SYN.exact');
    expect(reference.stdout).toMatch(/matrix\.json, matrix\.html/);
  });
});

describe('tcpconform matrix against a target without documented deviations', () => {
  test('a reaction that differs from the oracle fails, and the run exits 1', () => {
    expect(bare.exitCode).toBe(1);
    expect(bare.result.environment.ip).toBe(6);
    const syn = cell(bare.result, 'matrix.ESTABLISHED.SYN.exact');
    expect(syn.verdict).toBe('fail');
    expect(syn.reason).toContain('sent ACK seq=1 ack=1, expected RST');
  });

  test('cells the target cannot reach are not applicable, with the reason', () => {
    const c = cell(bare.result, 'matrix.SYN_SENT.SYN.any');
    expect(c.verdict).toBe('not-applicable');
    expect(c.reason).toContain('no such role');
  });

  test('--diff lists the cells whose verdict or reaction differs', async () => {
    const r = await tcpconform(['matrix', '--diff', reference.dir, bare.dir]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('matrix.ESTABLISHED.SYN.exact');
    expect(r.stdout).toMatch(/reference +deviation/);
    expect(r.stdout).toMatch(/bare +fail/);
    const same = await tcpconform(['matrix', '--diff', reference.dir, reference.dir]);
    expect(same.exitCode).toBe(0);
    expect(same.stdout).toContain('no cell differs');
  });
});

describe('tcpconform matrix: bad input', () => {
  test('an unknown state or segment kind is exit 2 with the known ones', async () => {
    const r = await tcpconform(['matrix', '--state', 'ESTABLISHED,OPEN']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('--state: unknown "OPEN"; known: CLOSED, LISTEN');
    const k = await tcpconform(['matrix', '--segment', 'PSH']);
    expect(k.exitCode).toBe(2);
    expect(k.stderr).toContain('--segment: unknown "PSH"');
  });

  test('--diff needs two matrix files, each checked against the schema', async () => {
    expect((await tcpconform(['matrix', '--diff', reference.dir])).exitCode).toBe(2);
    const notMatrix = path.join(out, 'not-matrix.json');
    fs.writeFileSync(notMatrix, '{"kind":"results"}');
    const r = await tcpconform(['matrix', '--diff', reference.dir, notMatrix]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('not a matrix.json');
  });
});

(noBrowser ? describe.skip : describe)('the HTML grid in a browser', () => {
  const userData = tempDir('chromium');
  let context: BrowserContext;
  let page: Page;
  let url: string;
  const problems: string[] = [];

  beforeAll(async () => {
    url = pathToFileURL(path.join(reference.dir, 'matrix.html')).href;
    context = await chromium.launchPersistentContext(userData, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1400, height: 900 },
      colorScheme: 'light',
    });
    await context.route('**/*', (route) => {
      if (route.request().url().split('#')[0] === url) return route.continue();
      problems.push(`request: ${route.request().url()}`);
      return route.abort();
    });
    page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    await page.goto(url);
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    fs.rmSync(userData, { recursive: true, force: true });
  });

  test('shows one row per state and one box per cell, without a console error or a request', async () => {
    expect(await page.locator('table.grid tbody tr').count()).toBe(3);
    expect(await page.locator('details.cell').count()).toBe(reference.result.cells.length);
    expect(problems).toEqual([]);
  });

  test('colours each box by its verdict', async () => {
    const bg = (id: string) => page.locator(`details.cell[data-cell="${id}"] > summary`).evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(el).backgroundColor);
    const pass = await bg('matrix.ESTABLISHED.RST.exact');
    const deviation = await bg('matrix.ESTABLISHED.SYN.exact');
    expect(pass).toBe('rgb(26, 127, 55)');
    expect(deviation).toBe('rgb(154, 103, 0)');
  });

  test('gives the reaction on hover and the RFC text on click', async () => {
    const box = page.locator('details.cell[data-cell="matrix.ESTABLISHED.SYN.exact"]');
    const title = await box.locator('summary').getAttribute('title');
    expect(title).toContain('matrix.ESTABLISHED.SYN.exact: deviation');
    expect(title).toContain('observed: ACK seq=1 ack=1; same state');
    const quote = box.locator('blockquote').first();
    expect(await quote.isVisible()).toBe(false);
    await box.locator('summary').click();
    expect(await quote.isVisible()).toBe(true);
    expect(await box.locator('.detail').innerText()).toContain('RFC 9293 §3.10.7.4');
    expect(await box.locator('dd.observed').innerText()).toBe('ACK seq=1 ack=1; same state');
    await page.screenshot({ path: path.join(out, 'matrix.png') });
  });
});
