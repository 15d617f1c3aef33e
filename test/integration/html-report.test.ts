import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { RunResult, SpecResult } from '../../harness/run/results.js';
import { FIXTURES, ROOT, tcpconform, tempDir } from './helpers.js';

/**
 * The HTML report of a real run, opened in a real headless Chromium, used
 * as a person would: filters, keyboard, links, light and dark. The browser
 * is Debian's `chromium` driven by playwright-core, which never downloads a
 * browser of its own. Without /usr/bin/chromium the test is skipped with a
 * message on a developer's machine; in CI (`CI` set) it runs, and fails.
 *
 * Screenshots go to test/artifacts/ (not committed), to be looked at.
 */

const CHROMIUM = '/usr/bin/chromium';
const skip = !fs.existsSync(CHROMIUM) && !process.env['CI'];
if (skip) console.warn(`html-report.test.ts skipped: ${CHROMIUM} is absent (apt-get install -y chromium); in CI it runs and fails instead`);
const maybe = skip ? describe.skip : describe;

const ARTIFACTS = path.join(ROOT, 'test/artifacts');

/**
 * What the functions run inside the page use of it. The project's
 * TypeScript has no DOM library, so page globals are reached through
 * `globalThis` with this type; the casts vanish when compiled, and each
 * function stays self-contained, as functions sent to the page must.
 */
interface InPage {
  getComputedStyle(el: unknown): { backgroundColor: string; outlineStyle: string };
  document: { activeElement: unknown; documentElement: unknown };
  scrollTo(x: number, y: number): void;
}
type Details = { open: boolean };
const SPECS = [
  'specs/handshake/three-way.yaml',
  'specs/close/client-first.yaml',
  'specs/close/last-ack-lost.yaml',
  'specs/close/simultaneous.yaml',
  path.join(FIXTURES, 'specs/wrong/three-way-wrong.yaml'),
];

maybe('the HTML report in a browser', () => {
  const out = tempDir('html');
  const userData = tempDir('chromium');
  let run: RunResult;
  let url: string;
  let context: BrowserContext;
  let page: Page;
  const consoleErrors: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    const r = await tcpconform(['run', ...SPECS, '--out', out, '--no-color']);
    // The wrong spec fails on purpose: exit 1, and everything else passes.
    if (r.exitCode !== 1) throw new Error(`expected exit 1 from the run, got ${r.exitCode}:\n${r.stdout}\n${r.stderr}`);
    const dir = fs.realpathSync(path.join(out, 'latest'));
    run = JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8')) as RunResult;
    url = pathToFileURL(path.join(dir, 'index.html')).href;

    context = await chromium.launchPersistentContext(userData, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1400, height: 1000 },
      colorScheme: 'light',
    });
    // Any request that is not the page itself is recorded and refused.
    await context.route('**/*', (route) => {
      const u = route.request().url();
      if (u.split('#')[0] === url) return route.continue();
      requests.push(u);
      return route.abort();
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
    page.on('request', (req) => {
      if (req.url().split('#')[0] !== url || req.resourceType() !== 'document') requests.push(`${req.resourceType()} ${req.url()}`);
    });
    await page.goto(url);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    fs.rmSync(userData, { recursive: true, force: true });
    fs.rmSync(out, { recursive: true, force: true });
  });

  const result = (id: string): SpecResult => run.results.find((r) => r.spec === id)!;
  const entry = (id: string) => page.locator(`section.spec[data-spec="${id}"]`);
  const visibleSpecs = () => page.locator('section.spec:visible').evaluateAll((els) => els.map((e) => e.getAttribute('data-spec')));

  test('loads without a console error and without any request but the page itself', async () => {
    await expect(page.title()).resolves.toMatch(/^tcpconform .*1 failed, 4 passed$/);
    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([]);
  });

  test('draws the failing spec\'s state diagram with the observed path, numbered, and the difference marked', async () => {
    const a = entry('wrong.three-way').locator('figure.endpoint[data-endpoint="a"]');
    await expect(a.locator('svg.diagram').isVisible()).resolves.toBe(true);
    const observed = result('wrong.three-way').endpoints['a']!.observed.map((o) => o.state);
    const numbered = await a.locator('g.node[data-steps]').evaluateAll((els) =>
      els.map((e) => [e.getAttribute('data-state'), e.getAttribute('data-steps')]).sort((x, y) => Number(x[1]) - Number(y[1])),
    );
    expect(numbered.map(([s]) => s)).toEqual(observed);
    expect(numbered.map(([, n]) => n)).toEqual(observed.map((_, i) => String(i + 1)));
    await expect(a.locator('g.node.missing').getAttribute('data-state')).resolves.toBe('SYN_RCVD');
    await expect(a.locator('g.edge.unexpected').getAttribute('data-edge')).resolves.toBe('SYN_SENT->ESTABLISHED');
    await expect(a.locator('tr.row-missing td.exp').textContent()).resolves.toBe('SYN_RCVD');
    // The missing row is visibly highlighted, not only marked up.
    const bg = await a.locator('tr.row-missing').evaluate((el) => (globalThis as unknown as InPage).getComputedStyle(el).backgroundColor);
    expect(bg).not.toBe('rgba(0, 0, 0, 0)');
    await expect(entry('wrong.three-way').locator('pre.diff .dl.missing').textContent()).resolves.toContain('SYN_RCVD');
  });

  test('draws the ladder with every segment of the run, in order, and the wire faults marked', async () => {
    for (const id of ['wrong.three-way', 'close.last-ack-lost']) {
      const want = result(id).segments.map((s) => [s.from, s.to, s.flags, String(s.seq), String(s.ack), String(s.len), s.fault ?? null]);
      const got = await entry(id)
        .locator('svg.ladder g.seg')
        .evaluateAll((els) =>
          els.map((e) => ['data-from', 'data-to', 'data-flags', 'data-seq', 'data-ack', 'data-len', 'data-fault'].map((k) => e.getAttribute(k))),
        );
      expect(got).toEqual(want);
    }
    expect(result('close.last-ack-lost').segments.some((s) => s.fault === 'dropped')).toBe(true);
    await entry('close.last-ack-lost').locator('summary').first().click();
    await expect(entry('close.last-ack-lost').locator('g.seg.fault-dropped .cross').first().isVisible()).resolves.toBe(true);
    await entry('close.last-ack-lost').locator('summary').first().click();
    // Both endpoints' states are beside their lines, and on the timelines.
    const states = await entry('wrong.three-way').locator('svg.ladder g.lstate').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-lane')}:${e.getAttribute('data-state')}`));
    for (const [name, e] of Object.entries(result('wrong.three-way').endpoints)) for (const o of e.observed) expect(states).toContain(`${name}:${o.state}`);
    await expect(entry('wrong.three-way').locator('svg.timeline g.tl-lane').count()).resolves.toBe(2);
    await expect(entry('wrong.three-way').locator('a.pcap').getAttribute('href')).resolves.toBe('pcap/wrong.three-way.pcap');
  });

  test('filters by verdict', async () => {
    expect(await visibleSpecs()).toHaveLength(5);
    await page.getByRole('checkbox', { name: /pass/ }).uncheck();
    expect(await visibleSpecs()).toEqual(['wrong.three-way']);
    await expect(page.locator('table.matrix tbody tr:visible').count()).resolves.toBe(1);
    await expect(page.locator('#shown').textContent()).resolves.toBe('1 of 5 specs shown');
    await page.getByRole('checkbox', { name: /fail/ }).uncheck();
    expect(await visibleSpecs()).toEqual([]);
    await page.getByRole('checkbox', { name: /pass/ }).check();
    await page.getByRole('checkbox', { name: /fail/ }).check();
    expect(await visibleSpecs()).toHaveLength(5);
  });

  test('filters by text, on id and title', async () => {
    const box = page.locator('#filter-text');
    await box.fill('last-ack');
    expect(await visibleSpecs()).toEqual(['close.last-ack-lost']);
    await box.fill('Three-way HANDSHAKE');
    expect((await visibleSpecs()).sort()).toEqual(['handshake.three-way', 'wrong.three-way']);
    await box.fill('simultaneous');
    expect(await visibleSpecs()).toEqual(['close.simultaneous']);
    await box.fill('no such spec');
    expect(await visibleSpecs()).toEqual([]);
    await box.fill('');
    expect(await visibleSpecs()).toHaveLength(5);
  });

  test('is usable by keyboard: Tab reaches a spec, focus shows, Enter and Space expand and collapse it', async () => {
    const summary = entry('handshake.three-way').locator('summary').first();
    const details = entry('handshake.three-way').locator('details').first();
    await expect(details.evaluate((d) => (d as unknown as Details).open)).resolves.toBe(false);
    await page.locator('#filter-text').focus();
    let reached = false;
    for (let i = 0; i < 200 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await summary.evaluate((el) => el === (globalThis as unknown as InPage).document.activeElement);
    }
    expect(reached).toBe(true);
    const outline = await summary.evaluate((el) => (globalThis as unknown as InPage).getComputedStyle(el).outlineStyle);
    expect(outline).toBe('solid');
    await page.keyboard.press('Enter');
    await expect(details.evaluate((d) => (d as unknown as Details).open)).resolves.toBe(true);
    await expect(entry('handshake.three-way').locator('svg.ladder').isVisible()).resolves.toBe(true);
    await page.keyboard.press('Space');
    await expect(details.evaluate((d) => (d as unknown as Details).open)).resolves.toBe(false);
  });

  test('opens a spec from its link in the matrix', async () => {
    await page.locator('table.matrix a[href="#spec-close.client-first"]').first().click();
    await expect(entry('close.client-first').locator('details').first().evaluate((d) => (d as unknown as Details).open)).resolves.toBe(true);
    await entry('close.client-first').locator('summary').first().click();
  });

  test('reads in light and dark, and leaves screenshots to look at', async () => {
    await page.evaluate(() => (globalThis as unknown as InPage).scrollTo(0, 0));
    const light = await page.evaluate(() => (globalThis as unknown as InPage).getComputedStyle((globalThis as unknown as InPage).document.documentElement).backgroundColor);
    await page.screenshot({ path: path.join(ARTIFACTS, 'overview-light.png') });
    await page.goto(`${url}#spec-wrong.three-way`);
    await page.setViewportSize({ width: 1400, height: 1700 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'failing-spec-light.png') });

    await page.emulateMedia({ colorScheme: 'dark' });
    const dark = await page.evaluate(() => (globalThis as unknown as InPage).getComputedStyle((globalThis as unknown as InPage).document.documentElement).backgroundColor);
    expect(dark).not.toBe(light);
    await page.screenshot({ path: path.join(ARTIFACTS, 'failing-spec-dark.png') });
    await page.goto(`${url}#coverage`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'coverage-dark.png') });
    await page.setViewportSize({ width: 1400, height: 1000 });
    await page.goto(url);
    await page.evaluate(() => (globalThis as unknown as InPage).scrollTo(0, 0));
    await page.screenshot({ path: path.join(ARTIFACTS, 'overview-dark.png') });
    for (const f of ['overview-light', 'failing-spec-light', 'failing-spec-dark', 'coverage-dark', 'overview-dark']) {
      expect(fs.statSync(path.join(ARTIFACTS, `${f}.png`)).size).toBeGreaterThan(10_000);
    }
    // Still nothing but the page itself, after every interaction above.
    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([]);
  }, 60_000);
});
