import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { splitWords } from '../../../harness/cli/init.js';
import { main } from '../../../harness/cli/main.js';
import { loadSpecs } from '../../../harness/spec/load.js';
import { loadTargetFile } from '../../../harness/target/definition.js';

/** `tcpconform init`: what it writes loads cleanly, and it never writes over a file. */

function io(cwd: string, argv: string[]) {
  let stdout = '';
  let stderr = '';
  return {
    io: { argv, cwd, stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } },
    out: () => ({ stdout, stderr }),
  };
}

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tcpconform-test-init-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test('writes a target file and starter specs that load without diagnostics', async () => {
  const run = io(dir, ['init', 'conf', '--server', "./my server --port '{port}' --name \"a b\""]);
  expect(await main(run.io)).toBe(0);
  expect(run.out().stdout).toContain('wrote conf/target.yaml\nwrote conf/specs/server-handshake.yaml\nwrote conf/specs/server-close.yaml\n');
  const target = loadTargetFile(path.join(dir, 'conf/target.yaml'));
  expect(target.diagnostics).toEqual([]);
  expect(target.target!.roles.server!.argv).toEqual(['./my', 'server', '--port', '{port}', '--name', 'a b']);
  expect(target.target!.id).toBe('conf');
  const specs = await loadSpecs(['conf/specs'], { cwd: dir });
  expect(specs.diagnostics).toEqual([]);
  expect(specs.specs.map((s) => s.id)).toEqual(['starter.server-close', 'starter.server-handshake']);
  // Each file names its schema by a path that exists from where the file is.
  for (const f of ['conf/target.yaml', 'conf/specs/server-close.yaml']) {
    const m = /^# yaml-language-server: \$schema=(\S+)\n/.exec(fs.readFileSync(path.join(dir, f), 'utf8'));
    expect(fs.existsSync(path.resolve(dir, path.dirname(f), m![1]!))).toBe(true);
  }
});

test('refuses to write over existing files: exit 2, the files named, nothing written', async () => {
  fs.mkdirSync(path.join(dir, 'conf/specs'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'conf/specs/server-close.yaml'), 'mine');
  const run = io(dir, ['init', 'conf']);
  expect(await main(run.io)).toBe(2);
  expect(run.out().stderr).toBe('error: init writes nothing over existing files; already there: conf/specs/server-close.yaml\n');
  expect(fs.readFileSync(path.join(dir, 'conf/specs/server-close.yaml'), 'utf8')).toBe('mine');
  expect(fs.existsSync(path.join(dir, 'conf/target.yaml'))).toBe(false);
});

test('a --server that does not split into words is bad input', async () => {
  const run = io(dir, ['init', '--server', "./srv 'unclosed"]);
  expect(await main(run.io)).toBe(2);
  expect(run.out().stderr).toMatch(/^error: --server: unclosed ' quote/);
  const empty = io(dir, ['init', '--server', '  ']);
  expect(await main(empty.io)).toBe(2);
  expect(fs.readdirSync(dir)).toEqual([]);
});

test('splitWords: quotes group, backslash escapes, whitespace separates', () => {
  expect(splitWords(`a  "b c" 'd "e"' f\\ g "h\\"i" ''`)).toEqual(['a', 'b c', 'd "e"', 'f g', 'h"i', '']);
});
