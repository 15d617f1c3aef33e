import fs from 'node:fs';
import path from 'node:path';
import type { RunResult } from '../../harness/run/results.js';
import { FIXTURES, NO_RESIDUE, residue, ROOT, runIdOf, tcpconform, tempDir } from './helpers.js';

/**
 * Servers that get TCP's close wrong (test/fixtures/targets, undriven, the
 * reference client doing the work): each is a `fail` with the diff that
 * says what went wrong, not an error, and leaves nothing behind.
 */

const SPEC = path.join(ROOT, 'specs/service/close-on-eof.yaml');

async function runFixture(target: string): Promise<{ exitCode: number; run: RunResult['results'][number]; dir: string }> {
  const out = tempDir(`server-fault-${target}`);
  try {
    const r = await tcpconform(['run', '--target', path.join(FIXTURES, 'targets', `${target}.yaml`), SPEC, '--out', out, '--reporter', 'json']);
    const dir = fs.realpathSync(path.join(out, 'latest'));
    const result = JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8')) as RunResult;
    expect(result.results).toHaveLength(1);
    expect(residue(runIdOf(dir))).toEqual(NO_RESIDUE);
    return { exitCode: r.exitCode, run: result.results[0]!, dir };
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

/** The diff lines of one endpoint, without the observers' marks. */
function diffOf(r: RunResult['results'][number], endpoint: string): string[] {
  const lines = r.diff!.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`${endpoint} (`));
  const body: string[] = [];
  for (const l of lines.slice(start + 1)) {
    if (!l.startsWith('  ')) break;
    body.push(l.slice(2).replace(/\s+\(.*\)$/, ''));
  }
  return body;
}

describe('servers that get the close wrong', () => {
  test.concurrent('a server that never closes after the client FIN: stuck in CLOSE_WAIT, a fail', async () => {
    const { exitCode, run } = await runFixture('stuck-close-wait');
    expect(exitCode).toBe(1);
    expect(run.verdict).toBe('fail');
    expect(run.reason).toMatch(/b never reached CLOSED \(now CLOSE_WAIT\)/);
    expect(diffOf(run, 'b')).toEqual(['  CLOSED', '  LISTEN', '  SYN_RCVD', '  ESTABLISHED', '  CLOSE_WAIT', '- LAST_ACK', '- CLOSED']);
    // The client, never given a FIN, does not reach TIME_WAIT.
    expect(diffOf(run, 'a')).toContain('- TIME_WAIT');
    expect(run.segments.filter((s) => s.from === 'b' && s.flags.includes('FIN'))).toEqual([]);
  }, 60_000);

  test.concurrent('a server that answers the FIN with RST: CLOSE_WAIT to CLOSED with no LAST_ACK, a fail', async () => {
    const { exitCode, run } = await runFixture('rst-instead-of-fin');
    expect(exitCode).toBe(1);
    expect(run.verdict).toBe('fail');
    expect(diffOf(run, 'b')).toEqual(['  CLOSED', '  LISTEN', '  SYN_RCVD', '  ESTABLISHED', '  CLOSE_WAIT', '- LAST_ACK', '  CLOSED']);
    expect(diffOf(run, 'a').slice(-2)).toEqual(['- TIME_WAIT', '+ CLOSED']);
    expect(run.segments.filter((s) => s.from === 'b' && s.flags.includes('RST'))).toHaveLength(1);
    expect(run.segments.filter((s) => s.from === 'b' && s.flags.includes('FIN'))).toEqual([]);
  }, 60_000);
});
