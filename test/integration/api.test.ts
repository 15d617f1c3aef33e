import { execa } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { FIXTURES, ROOT, tempDir } from './helpers.js';

/**
 * The library API as a program uses it: a script importing 'tcpconform'
 * (which a file inside the package resolves to its own dist/), run by Node
 * outside jest, as root against real labs, and once as a user without root.
 * Each script prints one JSON line that the test checks.
 */

const artifacts = path.join(ROOT, 'test/artifacts');
const work = tempDir('api');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

async function script(name: string, body: string, user?: string): Promise<{ exitCode: number; out: unknown; stderr: string }> {
  fs.mkdirSync(artifacts, { recursive: true });
  const file = path.join(artifacts, `api-${name}.mjs`);
  fs.writeFileSync(file, body);
  const cwd = fs.mkdtempSync(path.join(work, `${name}-`));
  fs.chmodSync(work, 0o755);
  fs.chmodSync(cwd, 0o777);
  try {
    const cmd = user ? ['runuser', '-u', user, '--', process.execPath, file] : [process.execPath, file];
    const r = await execa(cmd[0]!, cmd.slice(1), { cwd, reject: false, stdin: 'ignore', timeout: 120_000 });
    const last = r.stdout.trim().split('\n').pop() ?? '';
    let out: unknown = last;
    try {
      out = JSON.parse(last);
    } catch {
      // Not JSON: the test shows the text.
    }
    return { exitCode: r.exitCode ?? -1, out, stderr: r.stderr };
  } finally {
    fs.rmSync(file, { force: true });
  }
}

test('run: reporter hooks in order, an observer that sees segments and adds notes, a function wire rule in the results', async () => {
  const r = await script(
    'plugins',
    `
import { loadSuite, run } from 'tcpconform';
const hooks = [];
const seen = new Map();
const { result, ok, outDir } = await run({
  specs: await loadSuite(undefined, { grep: /^handshake\\.three-way$/ }),
  target: 'reference',
  ip: 'both',
  reporters: [{ name: 'order', onBegin: (i) => hooks.push('begin:' + i.total), onSpecBegin: (s) => hooks.push('spec:' + s.id), onSpecEnd: (x) => hooks.push('end:' + x.verdict), onEnd: (x) => hooks.push('done:' + x.results.length) }],
  observers: [{
    name: 'counter',
    onSpecBegin: (lab) => seen.set(lab, { flags: [], ns: lab.endpoints.map((e) => e.namespace.startsWith('tcpconform-')) }),
    onSegment: (seg, lab) => seen.get(lab).flags.push(seg.from + ':' + seg.flags),
    onSpecEnd: (lab) => ['family ' + lab.family + ' saw ' + seen.get(lab).flags.join(' ') + ' ns ' + seen.get(lab).ns.join(',')],
  }],
  faults: [{ name: 'dup-syn', action: 'duplicate', from: 'a', match: (s) => s.flags === 'SYN', count: 1 }],
});
console.log(JSON.stringify({ ok, hooks, outDir, results: result.results.map((x) => ({ ip: x.ip, verdict: x.verdict, notes: x.notes, wire: x.segments.map((s) => s.from + ':' + s.flags).join(' '), dup: x.segments.filter((s) => s.rule === 'dup-syn').map((s) => s.fault ?? 'original') })) }));
`,
  );
  expect(r.exitCode).toBe(0);
  const out = r.out as { ok: boolean; hooks: string[]; outDir: string; results: { ip: number; verdict: string; notes: string[]; wire: string; dup: string[] }[] };
  expect(out.ok).toBe(true);
  // Both IP versions run at once, so their begin and end interleave; onBegin comes first and onEnd last.
  expect(out.hooks[0]).toBe('begin:2');
  expect(out.hooks.at(-1)).toBe('done:2');
  expect(out.hooks.slice(1, -1).sort()).toEqual(['end:pass', 'end:pass', 'spec:handshake.three-way', 'spec:handshake.three-way']);
  expect(out.hooks.indexOf('end:pass')).toBeGreaterThan(out.hooks.indexOf('spec:handshake.three-way'));
  expect(out.outDir).toMatch(/\/reports\/\d{8}-\d{6}-[0-9a-f]{6}$/);
  for (const [i, ip] of [4, 6].entries()) {
    const res = out.results[i]!;
    expect(res).toMatchObject({ ip, verdict: 'pass' });
    // The SYN went twice (the rule's copy is marked); the observer saw the segments the results list, in
    // order, up to the end of the steps (the results go on with what the targets send as they stop).
    expect(res.dup).toEqual(['original', 'duplicated']);
    expect(res.wire).toMatch(/^a:SYN a:SYN b:SYN\+ACK /);
    expect(res.notes).toHaveLength(1);
    const m = /^counter: family (\d) saw (.*) ns true,true$/.exec(res.notes[0]!);
    expect(m?.[1]).toBe(String(ip));
    expect(m![2]).toMatch(/^a:SYN a:SYN b:SYN\+ACK .*a:ACK/);
    expect(res.wire.startsWith(m![2]!)).toBe(true);
  }
});

test('run: an observer and a rule that throw are switched off with a warning; the verdict stands', async () => {
  const r = await script(
    'throwing',
    `
import { loadSuite, run } from 'tcpconform';
const warnings = [];
const { result } = await run({
  specs: await loadSuite(undefined, { grep: /^handshake\\.three-way$/ }),
  target: 'reference',
  warn: (line) => warnings.push(line),
  observers: [{ name: 'broken', onSegment: () => { throw new Error('observer bug'); } }],
  faults: [{ name: 'broken-rule', action: 'drop', match: () => { throw new Error('rule bug'); } }],
});
console.log(JSON.stringify({ verdicts: result.results.map((x) => x.verdict), dropped: result.results[0].segments.filter((s) => s.fault).length, warnings }));
`,
  );
  expect(r.exitCode).toBe(0);
  const out = r.out as { verdicts: string[]; dropped: number; warnings: string[] };
  expect(out.verdicts).toEqual(['pass']);
  expect(out.dropped).toBe(0);
  expect(out.warnings).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^handshake\.three-way: observer broken failed in onSegment and is switched off for this spec: observer bug$/),
      expect.stringMatching(/^handshake\.three-way: wire rule broken-rule threw and is switched off for this spec: rule bug$/),
    ]),
  );
});

test('run: a bad target file is BadInputError at its line; a one-role target is paired with the reference; a broken target is an error verdict', async () => {
  const onlyServer = path.join(work, 'only-server.yaml');
  fs.writeFileSync(onlyServer, "id: only-server\ntitle: t\nstack: kernel\ncontrol: protocol\nroles:\n  server:\n    argv: ['{reference}/tcpref-server']\n");
  const badStack = path.join(work, 'bad-stack.yaml');
  fs.writeFileSync(badStack, "id: bad-stack\ntitle: t\nstack: userland\ncontrol: protocol\nroles:\n  server:\n    argv: ['{reference}/tcpref-server']\n");
  const r = await script(
    'inputs',
    `
import { BadInputError, loadSuite, run } from 'tcpconform';
const specs = await loadSuite(undefined, { grep: /^handshake\\.three-way$/ });
let bad;
try { await run({ specs, target: ${JSON.stringify(badStack)} }); } catch (err) { bad = err; }
const paired = await run({ specs, target: ${JSON.stringify(onlyServer)} });
const broken = await run({ specs, target: ${JSON.stringify(path.join(FIXTURES, 'targets/exits-at-once.yaml'))} });
console.log(JSON.stringify({
  bad: bad instanceof BadInputError ? bad.diagnostics.map((d) => d.code + '@' + d.line) : String(bad),
  paired: paired.result.results.map((x) => [x.verdict, x.endpoints.a.target, x.endpoints.b.target]),
  broken: broken.result.results.map((x) => x.verdict + ': ' + x.reason), ok: broken.ok,
}));
`,
  );
  expect(r.exitCode).toBe(0);
  expect(r.out).toEqual({
    bad: ['wrong-value@3'],
    paired: [['pass', 'reference', 'only-server']],
    broken: [expect.stringMatching(/^error: .*exited with status 3/)],
    ok: false,
  });
});

test('run without root: NeedsUserNamespaceError (a CannotRunError) saying to use the command; loading still works', async () => {
  const r = await script(
    'nonroot',
    `
import { CannotRunError, NeedsUserNamespaceError, loadSuite, run } from 'tcpconform';
const specs = await loadSuite();
try { await run({ specs, target: 'reference' }); console.log('"ran"'); }
catch (err) { console.log(JSON.stringify({ cannot: err instanceof CannotRunError, userns: err instanceof NeedsUserNamespaceError, problems: err.problems, specs: specs.length })); }
`,
    'nobody',
  );
  expect(r.exitCode).toBe(0);
  const out = r.out as { cannot: boolean; userns: boolean; problems: { what: string; fix: string }[]; specs: number };
  expect(out.cannot).toBe(true);
  expect(out.userns).toBe(true);
  expect(out.specs).toBeGreaterThanOrEqual(29);
  expect(out.problems[0]).toEqual({ what: expect.stringContaining('not root'), fix: expect.stringContaining('tcpconform` command') });
});
