import fs from 'node:fs';
import path from 'node:path';
import type { RunResult } from '../../harness/run/results.js';
import { ROOT, residue, runIdOf, tcpconform, tempDir } from './helpers.js';

/**
 * The bundled catalog against lwIP, a userspace TCP stack on a TAP device:
 * both endpoints of every spec run the lwIP program (peer specs: one), the
 * relay carries Ethernet frames for it, and no kernel observer sees it, so
 * every verdict comes from wire inference and the program's self-report.
 */

/** What real lwIP 2.1.3 does with each spec, as targets/lwip.yaml documents it. */
const DEVIATIONS = ['close.rst-in-time-wait', 'close.time-wait-timer', 'handshake.abort-in-syn-rcvd', 'handshake.close-in-syn-rcvd', 'handshake.simultaneous-open'];

describe('the catalog against lwIP', () => {
  const out = tempDir('lwip');
  let exitCode: number;
  let stdout: string;
  let dir: string;
  let result: RunResult;

  beforeAll(async () => {
    ({ exitCode, stdout } = await tcpconform(['run', '--target', 'lwip', '--out', out, '--no-color']));
    dir = fs.realpathSync(path.join(out, 'latest'));
    result = JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8')) as RunResult;
  }, 180_000);
  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  test('every spec passes but the documented deviations', () => {
    const specs = fs.readdirSync(path.join(ROOT, 'specs'), { recursive: true }).filter((f) => String(f).endsWith('.yaml'));
    expect(result.results).toHaveLength(specs.length);
    const verdicts = Object.fromEntries(result.results.map((r) => [r.spec, r.verdict]));
    // The service specs are for programs that cannot be driven; lwIP's is driven.
    const expected = (spec: string) => (spec.startsWith('service.') ? 'not-applicable' : DEVIATIONS.includes(spec) ? 'deviation' : 'pass');
    for (const [spec, verdict] of Object.entries(verdicts)) expect(`${spec}: ${verdict}`).toBe(`${spec}: ${expected(spec)}`);
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/33 specs in .*: 5 deviation, 24 pass, 4 not-applicable/);
  });

  test('lwIP endpoints are judged from the wire, corroborated by the self-report, never by a kernel observer', () => {
    for (const r of result.results) {
      if (r.verdict === 'not-applicable') continue; // decided before any lab: nothing observed
      for (const [name, ep] of Object.entries(r.endpoints)) {
        if (ep.target !== 'lwip') continue;
        const sources = new Set(ep.observed.flatMap((o) => o.sources));
        expect(`${r.spec} ${name}: ${[...sources].filter((s) => s === 'tracepoint' || s === 'sock_diag').join(',')}`).toBe(`${r.spec} ${name}: `);
        expect(sources.has('wire')).toBe(true);
      }
    }
    const three = result.results.find((r) => r.spec === 'handshake.three-way')!;
    expect(three.endpoints.b!.observed.map((o) => [o.state, o.sources])).toEqual([
      ['CLOSED', ['wire']],
      ['LISTEN', ['wire', 'self-report']],
      ['SYN_RCVD', ['wire', 'self-report']],
      ['ESTABLISHED', ['wire', 'self-report']],
    ]);
  });

  test('what the wire cannot show comes from the self-report: a silent timer, an ignored RST', () => {
    // lwIP drops an orphaned FIN_WAIT_2 after 20 s without a segment.
    const fw2 = result.results.find((r) => r.spec === 'close.fin-wait-2-timeout')!;
    const closed = fw2.endpoints.a!.observed.at(-1)!;
    expect(closed).toMatchObject({ state: 'CLOSED', sources: ['self-report'] });
    expect(closed.tMs - fw2.endpoints.a!.observed.at(-2)!.tMs).toBeGreaterThan(19_000);
    // The RST in TIME_WAIT: the wire implies CLOSED, lwIP stays in TIME_WAIT.
    const rst = result.results.find((r) => r.spec === 'close.rst-in-time-wait')!;
    expect(rst.endpoints.a!.observed.at(-1)).toMatchObject({ state: 'TIME_WAIT', notes: ['self-report-stayed'] });
    expect(rst.disagreements?.join('\n')).toMatch(/a: at .* ms the wire implies CLOSED; the program reports it stayed in TIME_WAIT/);
    expect(rst.reason).toMatch(/^lwip: lwIP always protects TIME_WAIT/);
    const rfc1337 = result.results.find((r) => r.spec === 'close.rst-in-time-wait-rfc1337')!;
    expect(rfc1337.verdict).toBe('pass');
  });

  test('the pcap holds the IP packets the relay carried to and from the TAP device', () => {
    const pcap = fs.readFileSync(path.join(dir, 'pcap', 'handshake.three-way.pcap'));
    expect(pcap.readUInt32LE(20)).toBe(101); // LINKTYPE_RAW: IP, no link layer
    const first = pcap.subarray(24 + 16);
    expect(first[0]! >> 4).toBe(4);
    expect(first[9]).toBe(6); // TCP
  });

  test('the run leaves nothing behind', () => {
    expect(residue(runIdOf(dir))).toEqual({ namespaces: [], traceInstances: [], processes: [], blocks: [] });
  });
});

test('a userspace target is refused over IPv6, with the reason', async () => {
  const out = tempDir('lwip6');
  const r = await tcpconform(['run', '--target', 'lwip', '--ip', '6', '-g', 'three-way', '--out', out]);
  fs.rmSync(out, { recursive: true, force: true });
  expect(r.exitCode).toBe(2);
  expect(r.stderr).toMatch(/lwip brings its own TCP\/IP stack.*relays IPv4 to it only.*--ip 4/);
});
