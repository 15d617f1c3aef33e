import { execa } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import type { RunResult, SpecResult } from '../../harness/run/results.js';
import { tcpconform, tempDir } from './helpers.js';

/**
 * Every pcap a real run writes, read back by an independent decoder
 * (Wireshark's tshark), must show the same TCP segments as results.json:
 * direction (by address), flags, relative sequence and acknowledgment
 * numbers, payload length, and the same spacing in time.
 *
 * tshark comes from Debian's `tshark` package. Without it the test is
 * skipped with a message on a developer's machine, and fails in CI (where
 * `CI` is set), which must install it.
 */

const TSHARK = ['/usr/bin/tshark', '/usr/sbin/tshark'].find((p) => fs.existsSync(p));
const skip = TSHARK === undefined && !process.env['CI'];
if (skip) console.warn('pcap-tshark.test.ts skipped: tshark is not installed (apt-get install -y tshark); in CI it runs and fails instead');
const maybe = skip ? describe.skip : describe;

interface Frame {
  epoch: number;
  src: string;
  dst: string;
  flags: number;
  seq: number;
  ack: number;
  seqRaw: number;
  ackRaw: number;
  len: number;
}

const FIELDS = ['frame.time_epoch', 'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'tcp.flags', 'tcp.seq', 'tcp.ack', 'tcp.seq_raw', 'tcp.ack_raw', 'tcp.len'];

async function readPcap(file: string): Promise<Frame[]> {
  const args = ['-r', file, '-n', '-Y', 'tcp', '-T', 'fields', '-E', 'separator=\t', '-o', 'tcp.relative_sequence_numbers:TRUE'];
  for (const f of FIELDS) args.push('-e', f);
  // tshark warns on stderr when run as root; only its exit code and stdout matter.
  const r = await execa(TSHARK ?? 'tshark', args, { stdin: 'ignore', reject: false, timeout: 30_000 });
  if (r.exitCode !== 0) throw new Error(`tshark failed on ${file}: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line) => {
      const [epoch, ip4src, ip4dst, ip6src, ip6dst, flags, seq, ack, seqRaw, ackRaw, len] = line.split('\t');
      return {
        epoch: Number(epoch),
        src: addr(ip4src || ip6src || ''),
        dst: addr(ip4dst || ip6dst || ''),
        flags: Number.parseInt(flags ?? '0', 16),
        seq: Number(seq),
        ack: Number(ack || 0),
        seqRaw: Number(seqRaw),
        ackRaw: Number(ackRaw || 0),
        len: Number(len),
      };
    });
}

/** One spelling per address, so `2001:db8::1` and `2001:0db8:0:0::1` compare equal. */
function addr(a: string): string {
  return a.includes(':') ? new URL(`http://[${a}]/`).hostname : a;
}

/** results.json's spelling of TCP flags (docs/results.md): SYN, FIN, RST, PSH, ACK, URG, ECE, CWR joined with `+`. */
function flagNames(bits: number): string {
  const names: [number, string][] = [
    [0x02, 'SYN'],
    [0x01, 'FIN'],
    [0x04, 'RST'],
    [0x08, 'PSH'],
    [0x10, 'ACK'],
    [0x20, 'URG'],
    [0x40, 'ECE'],
    [0x80, 'CWR'],
  ];
  const on = names.filter(([b]) => (bits & b) !== 0).map(([, n]) => n);
  return on.length > 0 ? on.join('+') : 'NONE';
}

maybe('pcap files read back with tshark', () => {
  const out = tempDir('pcap');
  let run: RunResult;
  let dir: string;

  beforeAll(async () => {
    // The whole bundled suite: it holds dropped, held and injected segments, RSTs and data.
    const r = await tcpconform(['run', '--out', out, '--no-color', '--reporter', 'json']);
    // A spec that fails still has its pcap and segments to compare; only a run that could not run is fatal here.
    if (r.exitCode !== 0 && r.exitCode !== 1) throw new Error(`the run did not complete (${r.exitCode}):\n${r.stdout}\n${r.stderr}`);
    dir = fs.realpathSync(path.join(out, 'latest'));
    run = JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8')) as RunResult;
  }, 120_000);
  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  test('tshark is there (CI must install it)', () => {
    expect(TSHARK).toBeDefined();
  });

  test('every spec with segments has a pcap, and every pcap holds exactly the segments results.json lists', async () => {
    expect(run.results.length).toBeGreaterThan(3);
    let compared = 0;
    for (const r of run.results) {
      // A spec whose relay carried nothing (a listener that only closes) has no capture to write.
      if (r.segments.length === 0 && r.pcap === undefined) continue;
      expect({ spec: r.spec, pcap: typeof r.pcap }).toEqual({ spec: r.spec, pcap: 'string' });
      const frames = await readPcap(path.join(dir, r.pcap!));
      expect({ spec: r.spec, frames: frames.length }).toEqual({ spec: r.spec, frames: r.segments.length });
      expect({ spec: r.spec, problems: compare(r, frames) }).toEqual({ spec: r.spec, problems: [] });
      compared += frames.length;
    }
    expect(compared).toBeGreaterThan(50);
  }, 120_000);
});

/** Where the pcap and results.json disagree about a spec's segments, as readable lines. */
function compare(r: SpecResult, frames: Frame[]): string[] {
  const byAddr = new Map(Object.entries(r.endpoints).map(([name, e]) => [addr(e.addr), name]));
  // tshark numbers a direction relative to its SYN; without one in the capture
  // results.json keeps the raw number, and so do we.
  const synFrom = new Set(frames.filter((f) => (f.flags & 0x02) !== 0).map((f) => f.src));
  const problems: string[] = [];
  const t0 = frames[0]?.epoch ?? 0;
  const s0 = r.segments[0]?.tMs ?? 0;
  r.segments.forEach((s, i) => {
    const f = frames[i]!;
    const seq = synFrom.has(f.src) ? f.seq : f.seqRaw;
    const ackOn = (f.flags & 0x10) !== 0;
    const ack = !ackOn ? 0 : synFrom.has(f.dst) ? f.ack : f.ackRaw;
    const got = { from: byAddr.get(f.src), to: byAddr.get(f.dst), flags: flagNames(f.flags), seq, ack, len: f.len };
    const want = { from: s.from, to: s.to, flags: s.flags, seq: s.seq, ack: s.ack, len: s.len };
    if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`#${i + 1}: pcap ${JSON.stringify(got)} results ${JSON.stringify(want)}`);
    // Same clock: the pcap's times are wall-clock, results' are since the lab
    // started, so their spacing must agree (to the pcap's microsecond).
    const dPcap = (f.epoch - t0) * 1000;
    const dResults = s.tMs - s0;
    if (Math.abs(dPcap - dResults) > 0.01) problems.push(`#${i + 1}: ${dPcap.toFixed(3)} ms after the first segment in the pcap, ${dResults.toFixed(3)} ms in results`);
  });
  return problems;
}
