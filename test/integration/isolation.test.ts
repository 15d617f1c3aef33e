import { execa, type ResultPromise } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { tcpconform, tempDir } from './helpers.js';

/**
 * The host namespace is never configured and nothing of a lab reaches it.
 * The whole bundled suite runs over IPv4 and IPv6 while this test watches
 * the host namespace (the one the test runs in):
 *
 * - its interfaces, addresses, IPv4 and IPv6 routes and TCP/IPv6 sysctls are
 *   the same after the run as before (volatile fields such as address
 *   lifetimes left out);
 * - no packet with a lab address (198.18.0.0/15, 2001:2::/48) crosses any of
 *   its interfaces: a capture on the `any` pseudo-interface when dumpcap is
 *   installed sees none;
 * - no socket of its own uses a lab address (`ss` sampled during the run),
 *   and its connection-tracking table (when the kernel has one) never holds
 *   a lab address.
 *
 * Interface packet counters are not compared: other traffic on the machine
 * moves them, so they would prove nothing either way.
 */

const LAB_ADDRESS = /\b198\.1[89]\.\d+\.\d+\b|\b2001:0*2:[0-9a-f:]*/i;
/** Fields that change on their own (address lifetimes, route expiry, counters). */
const VOLATILE = new Set(['valid_life_time', 'preferred_life_time', 'expires', 'stats', 'stats64', 'used']);

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).filter(([k]) => !VOLATILE.has(k)).map(([k, v]) => [k, strip(v)]));
  return value;
}

async function ipJson(args: string[]): Promise<unknown> {
  const r = await execa('ip', ['-j', ...args]);
  return strip(JSON.parse(r.stdout || '[]'));
}

function sysctls(dir: string, match: (name: string) => boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of fs.readdirSync(dir).filter(match).sort()) {
    try {
      out[name] = fs.readFileSync(path.join(dir, name), 'utf8').trim();
    } catch {
      // write-only or refusing reads (stable_secret when unset)
    }
  }
  return out;
}

async function snapshot(): Promise<Record<string, unknown>> {
  return {
    link: await ipJson(['link']),
    addr: await ipJson(['addr']),
    route4: await ipJson(['route']),
    route6: await ipJson(['-6', 'route']),
    tcp: sysctls('/proc/sys/net/ipv4', (n) => n.startsWith('tcp_')),
    ipv6all: sysctls('/proc/sys/net/ipv6/conf/all', () => true),
  };
}

function conntrackLabLines(): string[] {
  try {
    return fs.readFileSync('/proc/net/nf_conntrack', 'utf8').split('\n').filter((l) => LAB_ADDRESS.test(l));
  } catch {
    return [];
  }
}

/** Samples the host namespace's own sockets and conntrack table until stopped; returns what used a lab address. */
function watchHost(): { stop(): Promise<{ samples: number; seen: string[] }> } {
  let running = true;
  const seen: string[] = [];
  let samples = 0;
  const loop = (async () => {
    while (running) {
      const ss = await execa('ss', ['-tanH'], { reject: false });
      samples++;
      seen.push(...ss.stdout.split('\n').filter((l) => LAB_ADDRESS.test(l)), ...conntrackLabLines());
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { samples, seen };
    },
  };
}

async function hasDumpcap(): Promise<boolean> {
  return (await execa('dumpcap', ['-v'], { reject: false })).exitCode === 0;
}

/**
 * Captures on every host interface (pseudo-interface `any`) the packets with
 * a lab address. The process comes back wrapped: an async function returning
 * it bare would wait for it to end, since it is a promise too.
 */
async function startCapture(file: string): Promise<{ capture: ResultPromise }> {
  const capture = execa('dumpcap', ['-i', 'any', '-P', '-w', file, '-f', 'net 198.18.0.0/15 or net 2001:2::/48'], {
    reject: false,
    stdin: 'ignore',
  });
  // dumpcap says "Capturing on 'any'" once it captures; only then may the run start.
  let err = '';
  const started = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 10_000);
    capture.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      if (/Capturing on/.test(err)) {
        clearTimeout(timer);
        resolve(true);
      }
    });
    void capture.then(() => {
      clearTimeout(timer);
      resolve(false);
    });
  });
  if (!started) {
    capture.kill('SIGKILL');
    await capture;
    throw new Error(`dumpcap did not start capturing: ${err.trim()}`);
  }
  return { capture };
}

/** Records in a classic pcap file: a 24-byte header, then records of a 16-byte header and the data. */
function pcapRecords(file: string): number {
  const b = fs.readFileSync(file);
  let n = 0;
  for (let off = 24; off + 16 <= b.length; off += 16 + b.readUInt32LE(off + 8)) n++;
  return n;
}

describe('isolation of the host namespace', () => {
  test('the suite, over IPv4 and IPv6, leaves the host as it was and sends nothing through it', async () => {
    const out = tempDir('isolation');
    const pcap = path.join(out, 'host.pcap');
    let capture: ResultPromise | undefined;
    try {
      const before = await snapshot();
      const conntrackBefore = conntrackLabLines();
      if (await hasDumpcap()) ({ capture } = await startCapture(pcap));
      const watch = watchHost();

      const r = await tcpconform(['run', '--ip', 'both', '--out', out, '--reporter', 'json']);

      const watched = await watch.stop();
      if (capture) {
        // SIGINT: dumpcap flushes the file and exits.
        capture.kill('SIGINT');
        await capture;
      }
      const after = await snapshot();

      expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
      expect(r.exitCode).toBe(0);
      expect(after).toEqual(before);
      expect(watched.samples).toBeGreaterThan(5);
      expect(watched.seen).toEqual([]);
      expect(conntrackBefore).toEqual([]);
      expect(conntrackLabLines()).toEqual([]);
      if (capture) expect(pcapRecords(pcap)).toBe(0);
      else process.stdout.write('isolation: dumpcap is not installed; the host capture was skipped\n');
    } finally {
      if (capture && capture.exitCode === null) {
        capture.kill('SIGKILL');
        await capture;
      }
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);
});
