import { EXPECTED_FINAL, type LedgerCheck } from './ledger.js';
import type { LoadProgress, LoadResult } from './load.js';

/**
 * What load mode prints: progress while it runs (one line redrawn in place
 * on a terminal, a plain line a second otherwise) and the summary.
 */

export interface Sink {
  write(s: string): unknown;
  isTTY?: boolean;
}

export class ProgressDisplay {
  private lastLine = 0;
  private drawn = false;

  constructor(private readonly out: Sink) {}

  update(p: LoadProgress): void {
    const rate = p.elapsedMs > 0 ? (p.closed / p.elapsedMs) * 1000 : 0;
    const text = `${p.closed}/${p.total} lifecycles closed on both ends, ${p.started} started, ${Math.round(rate)}/s, ${fmtSeconds(p.elapsedMs)}`;
    if (this.out.isTTY) {
      const width = 24;
      const filled = Math.min(width, Math.round((p.closed / Math.max(1, p.total)) * width));
      this.out.write(`\r\x1b[2K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}`);
      this.drawn = true;
    } else if (p.elapsedMs - this.lastLine >= 1000) {
      this.lastLine = p.elapsedMs;
      this.out.write(`load: ${text}\n`);
    }
  }

  /** Ends the redrawn line before anything else is printed. */
  end(): void {
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}

/** Lifecycles observed per second of load (0 when nothing was checked). */
function lifecyclesPerSecond(r: LoadResult): number {
  return r.check && r.loadMs > 0 ? (r.check.observed / r.loadMs) * 1000 : 0;
}

export function formatSummary(r: LoadResult, opts: { connections: number; concurrency: number }): string {
  const lines: string[] = [];
  const c = r.check;
  const rate = lifecyclesPerSecond(r);
  lines.push(
    `${opts.connections} lifecycles against ${r.server}, ${opts.concurrency} at once (run ${r.run}): ` +
      (c ? `checked in ${fmtSeconds(r.loadMs)} (${Math.round(rate)}/s; ${fmtSeconds(r.totalMs)} with set-up and teardown)` : 'not checked'),
  );
  if (c) {
    lines.push(`  client end states: ${counts(c.endStates.client)}   (expected ${EXPECTED_FINAL.client})`);
    lines.push(`  server end states: ${counts(c.endStates.server)}   (expected ${EXPECTED_FINAL.server})`);
    lines.push(`  left at the end:   client ${counts(c.remaining.client) || 'nothing'}; server ${counts(c.remaining.server) || 'nothing'}`);
    if (r.wire) {
      const { client, server } = r.wire.resets;
      lines.push(`  on the wire:       ${r.wire.segments} segments; resets: ${client + server ? `${client} from the client, ${server} from the server` : 'none'}`);
    }
    if (c.stuck) lines.push(`  ${c.stuck} connection(s) left in CLOSE_WAIT or SYN_RCVD`);
    if (c.unobserved) lines.push(`  ${c.unobserved} lifecycle(s) never seen by the observers`);
    for (const e of c.examples) {
      lines.push(`  port ${e.port}: ${e.problems.join('; ')}`);
      lines.push(`    client ${e.client.join(' > ') || '(nothing)'}`);
      lines.push(`    server ${e.server.join(' > ') || '(nothing)'}`);
    }
    if (c.failed > c.examples.length + c.unobserved) lines.push(`  ... and ${c.failed - c.examples.length - c.unobserved} more failing lifecycle(s)`);
  }
  if (r.client && (r.client.abandoned || Object.keys(r.client.errors).length))
    lines.push(`  client: ${r.client.abandoned} abandoned after the lifecycle timeout; socket errors: ${counts(r.client.errors) || 'none'}`);
  if (r.serverErrors) lines.push(`  server replies that failed: ${counts(r.serverErrors)}`);
  if (r.error) lines.push(`  error: ${r.error}`);
  if (r.stderr) lines.push(`  server stderr (last lines):`, ...r.stderr.trimEnd().split('\n').slice(-10).map((l) => `    ${l}`));
  lines.push(verdictLine(r));
  return lines.join('\n') + '\n';
}

/** True when every lifecycle passed and nothing stopped the check. */
export function loadPassed(r: LoadResult): boolean {
  return !r.error && !r.interrupted && r.check !== undefined && r.check.failed === 0 && r.check.stuck === 0;
}

function verdictLine(r: LoadResult): string {
  const c = r.check;
  if (loadPassed(r)) return `pass: all ${c!.passed} lifecycles reached ${EXPECTED_FINAL.client} on the client and ${EXPECTED_FINAL.server} on the server`;
  if (!c) return 'error: the lifecycles could not be checked';
  const why = [c.failed ? `${c.failed} of ${c.expected} lifecycles failed the check` : '', c.stuck ? `${c.stuck} left in CLOSE_WAIT or SYN_RCVD` : '', r.error ? 'see the error above' : '']
    .filter(Boolean)
    .join(', ');
  return `fail: ${why}`;
}

/** Machine-readable summary (`--json`). */
export function summaryJson(r: LoadResult, opts: { connections: number; concurrency: number }): string {
  const c: Partial<LedgerCheck> = r.check ?? {};
  return (
    JSON.stringify({
      pass: loadPassed(r),
      run: r.run,
      server: r.server,
      connections: opts.connections,
      concurrency: opts.concurrency,
      ...c,
      lifecyclesPerSecond: Math.round(lifecyclesPerSecond(r)),
      setupMs: Math.round(r.setupMs),
      loadMs: Math.round(r.loadMs),
      totalMs: Math.round(r.totalMs),
      ...(r.client ? { client: r.client } : {}),
      ...(r.wire ? { wire: r.wire } : {}),
      ...(r.serverErrors ? { serverErrors: r.serverErrors } : {}),
      ...(r.error ? { error: r.error } : {}),
    }) + '\n'
  );
}

function counts(m: Record<string, number>): string {
  return Object.entries(m)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
}

function fmtSeconds(ms: number): string {
  return ms >= 10000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 1000).toFixed(2)} s`;
}
