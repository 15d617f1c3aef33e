import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { planBuild, type BuildPlace } from '../../../harness/target/build-dir.js';

/** Where bundled programs are built; a checkout another user owns is covered by rootless.test.ts. */

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tcpconform-test-build-dir-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** `built`: the checkout already holds the binary, newer than the source. */
function place(checkout: string, built = false): BuildPlace {
  const src = path.join(tmp, 'main.c');
  if (!fs.existsSync(src)) fs.writeFileSync(src, 'int main(void) { return 0; }\n');
  if (built) {
    fs.mkdirSync(checkout, { recursive: true });
    fs.writeFileSync(path.join(checkout, 'prog'), '');
    fs.utimesSync(path.join(checkout, 'prog'), new Date(), new Date(Date.now() + 60_000));
  }
  return { name: 'prog', checkout, sources: [src], flags: ['-O2'], binaries: ['prog'] };
}

const buildDir = async (p: BuildPlace, env: NodeJS.ProcessEnv) => (await planBuild(p, env)).dir;

test('a checkout this user may write builds beside the sources', async () => {
  const checkout = path.join(tmp, 'checkout', 'build');
  expect(await planBuild(place(checkout), { XDG_CACHE_HOME: path.join(tmp, 'cache') })).toEqual({ dir: checkout, stale: ['prog'] });
});

test('a checkout whose binary is newer than every source has nothing to build', async () => {
  const checkout = path.join(tmp, 'checkout', 'build');
  expect(await planBuild(place(checkout, true), { XDG_CACHE_HOME: path.join(tmp, 'cache') })).toEqual({ dir: checkout, stale: [] });
});

test('the folder the user chose wins', async () => {
  const checkout = path.join(tmp, 'checkout', 'build');
  expect(await buildDir({ ...place(checkout, true), chosen: path.join(tmp, 'mine') }, {})).toBe(path.join(tmp, 'mine'));
});

test('an installed package builds into the cache, in a folder named after the sources and the compiler settings', async () => {
  const checkout = path.join(tmp, 'node_modules', 'tcpconform', 'build');
  const env = { XDG_CACHE_HOME: path.join(tmp, 'cache') };
  const first = await buildDir(place(checkout), env);
  expect(first).toMatch(new RegExp(`^${path.join(tmp, 'cache', 'tcpconform')}/prog-[0-9a-f]{16}$`));
  expect(await buildDir(place(checkout), env)).toBe(first);
  expect(await buildDir(place(checkout), { ...env, CC: 'clang' })).not.toBe(first);
  fs.appendFileSync(path.join(tmp, 'main.c'), '/* changed */\n');
  expect(await buildDir(place(checkout), env)).not.toBe(first);
});

test('an installed package builds into the cache even when it already holds binaries', async () => {
  const checkout = path.join(tmp, 'node_modules', 'tcpconform', 'build');
  expect(await buildDir(place(checkout, true), { XDG_CACHE_HOME: path.join(tmp, 'cache') })).not.toBe(checkout);
});

test('without XDG_CACHE_HOME the cache is ~/.cache/tcpconform', async () => {
  const checkout = path.join(tmp, 'node_modules', 'x', 'build');
  expect(path.dirname(await buildDir(place(checkout), {}))).toBe(path.join(os.homedir(), '.cache', 'tcpconform'));
});
