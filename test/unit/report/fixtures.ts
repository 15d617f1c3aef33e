import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RunResult, SpecResult, VerdictName } from '../../../harness/run/results.js';

/** One result per verdict, shaped as the runner produces them. */
export function specResult(verdict: VerdictName, over: Partial<SpecResult> = {}): SpecResult {
  const base: SpecResult = {
    spec: `demo.${verdict}`,
    title: `A spec whose verdict is ${verdict}`,
    file: 'specs/handshake/demo.yaml',
    ip: 4,
    verdict,
    durationMs: 45,
    endpoints: {
      a: {
        target: 'reference-client',
        role: 'client',
        addr: '198.18.0.1',
        expected: ['CLOSED', 'SYN_SENT', 'ESTABLISHED'],
        observed: [
          { state: 'CLOSED', tMs: 0, sources: ['wire'] },
          { state: 'SYN_SENT', tMs: 1.2, sources: ['tracepoint', 'wire'] },
          { state: 'ESTABLISHED', tMs: 2.5, sources: ['tracepoint', 'wire'] },
        ],
      },
    },
    segments: [
      { tMs: 1.2, from: 'a', to: 'b', flags: 'SYN', seq: 0, ack: 0, len: 0 },
      { tMs: 1.9, from: 'b', to: 'a', flags: 'SYN+ACK', seq: 0, ack: 1, len: 0 },
    ],
  };
  return { ...base, ...over };
}

export const failing = (): SpecResult =>
  specResult('fail', {
    spec: 'close.simultaneous',
    file: 'specs/close/simultaneous.yaml',
    durationMs: 1234,
    reason: 'a: observed states differ from the expected ones',
    diff: 'a:\n  CLOSED  (wire)\n- CLOSING\n+ TIME_WAIT  (sock_diag)',
    pcap: 'pcap/close.simultaneous.pcap',
  });

export const erroring = (): SpecResult =>
  specResult('error', {
    spec: 'handshake.crash',
    durationMs: 80,
    reason: 'target reference-server exited with code 1 before it was ready',
    stderr: { 'reference-server': 'line 1\nline 2\nbind: Address already in use\n', 'reference-client': '' },
  });

export function sampleRun(results: SpecResult[] = allVerdicts()): RunResult {
  const totals: Record<string, number> = {};
  for (const r of results) totals[r.verdict] = (totals[r.verdict] ?? 0) + 1;
  return {
    tool: { name: 'tcpconform', version: '0.1.0' },
    run: '20260101-120000-ab12',
    startedAt: '2026-01-01T12:00:00.000Z',
    durationMs: 3456,
    environment: { kernel: '6.18.0', node: 'v20.19.0', timers: 'short', ip: [4], jobs: 4 },
    totals,
    results,
  };
}

export function allVerdicts(): SpecResult[] {
  return [
    specResult('pass', { spec: 'handshake.three-way' }),
    failing(),
    specResult('deviation', {
      spec: 'close.active-time-wait',
      file: 'specs/close/active.yaml',
      reason: 'TIME_WAIT lasts 60 s on Linux, not 2*MSL (RFC 9293 MUST-13)',
    }),
    specResult('not-applicable', { spec: 'close.half', reason: 'target lwip-echo lacks capability shutdown' }),
    specResult('skipped', { spec: 'reset.time-wait', file: 'specs/reset/tw.yaml', reason: 'needs root' }),
    erroring(),
  ];
}

export async function tempDir(): Promise<{ dir: string; done: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tcpconform-report-'));
  return { dir, done: () => rm(dir, { recursive: true, force: true }) };
}

/** A text sink that collects what is written. */
export function sink(isTTY = false): { write(s: string): void; isTTY: boolean; text: () => string } {
  const parts: string[] = [];
  return { write: (s) => void parts.push(s), isTTY, text: () => parts.join('') };
}
