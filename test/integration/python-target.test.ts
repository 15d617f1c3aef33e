import fs from 'node:fs';
import path from 'node:path';
import type { RunResult } from '../../harness/run/results.js';
import { tcpconform, tempDir } from './helpers.js';

/**
 * The minimal controllable target of docs/targets.md, in Python, fills both
 * roles of the whole bundled catalog: every spec passes (TIME_WAIT's length
 * is the kernel's documented deviation), so the protocol as documented is
 * enough to drive a program written from the docs alone.
 */
test('the Python example target passes the bundled catalog', async () => {
  const out = tempDir('python');
  try {
    const r = await tcpconform(['run', '--target', 'targets/examples/python/python.yaml', '--out', out, '--reporter', 'json', '--no-color']);
    const result = JSON.parse(fs.readFileSync(path.join(out, 'latest/results.json'), 'utf8')) as RunResult;
    const notPassed = result.results
      .filter((x) => x.verdict !== 'pass' && !(x.verdict === 'deviation' && x.spec === 'close.time-wait-timer'))
      // The service specs are for programs that cannot be driven: the example is driven.
      .filter((x) => !(x.verdict === 'not-applicable' && x.spec.startsWith('service.')))
      .map((x) => `${x.spec}: ${x.verdict}: ${x.reason}`);
    expect(notPassed).toEqual([]);
    expect(result.results.length).toBeGreaterThanOrEqual(29);
    expect(new Set(result.results.flatMap((x) => Object.values(x.endpoints).map((e) => e.target)))).toEqual(new Set(['python', 'peer']));
    expect(r.exitCode).toBe(0);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}, 120_000);
