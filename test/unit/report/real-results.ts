import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RunResult, SpecResult } from '../../../harness/run/results.js';

/**
 * The real results of a run (test/fixtures/results/run.json, see its
 * README), and edited copies for what that run did not produce. Every
 * function here that changes the data says EDITED and what it changed.
 */

export const RUN_FILE = fileURLToPath(new URL('../../fixtures/results/run.json', import.meta.url));

export function realRun(): RunResult {
  return JSON.parse(fs.readFileSync(RUN_FILE, 'utf8')) as RunResult;
}

export function spec(run: RunResult, id: string): SpecResult {
  const r = run.results.find((x) => x.spec === id);
  if (!r) throw new Error(`fixture has no ${id}`);
  return r;
}

/** EDITED: every kind of wire fault on the three-way handshake's segments, with release times. */
export function withAllFaults(run: RunResult): RunResult {
  const r = spec(run, 'handshake.three-way');
  const [syn, synAck, ack] = r.segments;
  if (!syn || !synAck || !ack) throw new Error('fixture changed: expected three handshake segments');
  r.segments = [
    { ...syn, fault: 'dropped' },
    { ...syn, tMs: syn.tMs + 1, fault: 'delayed', releasedMs: syn.tMs + 3 },
    { ...synAck, fault: 'duplicated' },
    { ...ack, fault: 'held', releasedMs: ack.tMs + 2 },
    { tMs: ack.tMs + 4, from: 'a', to: 'b', flags: 'RST', seq: 1, ack: 0, len: 0, fault: 'injected' },
  ];
  return run;
}

/** EDITED: `handshake.three-way` turned into an error with a target's stderr (ANSI and a control character included). */
export function withError(run: RunResult): RunResult {
  const r = spec(run, 'handshake.three-way');
  r.verdict = 'error';
  r.reason = 'target reference exited with code 1 before it was ready';
  r.stderr = { reference: `${Array.from({ length: 50 }, (_, i) => `line ${i + 1}`).join('\n')}\n\x1b[31mbind: Address already in use\x1b[0m\x07\n` };
  run.totals = { ...run.totals, pass: (run.totals['pass'] ?? 1) - 1, error: 1 };
  return run;
}

/** EDITED: a deviation and an observer disagreement on `close.simultaneous`. */
export function withDeviation(run: RunResult): RunResult {
  const r = spec(run, 'close.simultaneous');
  r.verdict = 'deviation';
  r.reason = 'TIME_WAIT lasts 60 s on Linux, not 2*MSL (RFC 9293 MUST-13)';
  r.disagreements = ['a: the wire shows CLOSING at 12.000 ms, the tracepoint at 12.040 ms'];
  return run;
}

/** EDITED: a hostile title, to check that every report escapes it. */
export function withHostileTitle(run: RunResult): RunResult {
  spec(run, 'handshake.three-way').title = 'Evil <script>alert(1)</script> | *bold* `tick` [link](http://example.invalid) & "quotes"';
  return run;
}

/** EDITED: each result run over IPv4 and IPv6 (as a later runner does): results doubled with `ip` set. */
export function withIpVersions(run: RunResult): RunResult {
  run.results = run.results.flatMap((r) => [
    { ...r, ip: 4 },
    { ...r, ip: 6, pcap: r.pcap?.replace('.pcap', '.ipv6.pcap') },
  ]) as SpecResult[];
  return run;
}

/** EDITED: `coverage` as a runner records it, with one transition left uncovered. */
export function withCoverage(run: RunResult): RunResult {
  run.coverage = {
    states: { CLOSED: ['handshake.three-way'], LISTEN: ['handshake.three-way'], SYN_SENT: ['handshake.three-way'], SYN_RCVD: ['handshake.three-way'], ESTABLISHED: ['handshake.three-way'] },
    transitions: { 'CLOSED->LISTEN': ['handshake.three-way'], 'LISTEN->SYN_RCVD': ['handshake.three-way'], 'FIN_WAIT_1->CLOSING': [] },
    unreachable: { 'LISTEN->SYN_SENT': 'SEND on a listening socket' },
  };
  return run;
}
