/**
 * Builds the bundled lwIP program (`tcplwip`, targets/lwip/src/) against
 * Debian's liblwip-dev on first use, like the reference programs: into
 * targets/lwip/build/ (or the user's cache, as {@link planBuild} decides),
 * again only when a source is newer than the binary,
 * through a temporary file and an atomic rename. It shares the reference
 * programs' JSON reader, errno names and protocol messages (message.c).
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { planBuild } from './build-dir.js';
import { compileProgram, findCompiler, MissingToolError, REFERENCE_CFLAGS } from './reference-build.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LWIP_DIR = path.join(ROOT, 'targets', 'lwip');
const SOURCE_DIR = path.join(LWIP_DIR, 'src');
const CHECKOUT_BUILD_DIR = path.join(LWIP_DIR, 'build');
const SHARED_DIR = path.join(ROOT, 'targets', 'reference', 'src');
const SHARED = ['json.c', 'errname.c', 'message.c'];

/** Where Debian's liblwip-dev puts its headers (`pkg-config --cflags lwip`). */
export const LWIP_INCLUDE = '/usr/include/lwip';

const LINK = ['-llwip', '-lpthread'];

/** Whether Debian's liblwip-dev (its headers, which the build needs first) is installed. */
export function lwipInstalled(): boolean {
  return existsSync(path.join(LWIP_INCLUDE, 'lwipopts.h'));
}

let inflight: Promise<string> | undefined;

/**
 * Makes sure `tcplwip` is built and returns its folder (the `{lwip}` placeholder).
 *
 * @throws MissingToolError when liblwip-dev or a C compiler is missing.
 */
export async function ensureLwipBuilt(opts: { log?: (line: string) => void } = {}): Promise<string> {
  inflight ??= build(opts.log ?? (() => {})).finally(() => {
    inflight = undefined;
  });
  return inflight;
}

async function build(log: (line: string) => void): Promise<string> {
  const own = (await readdir(SOURCE_DIR)).filter((n) => n.endsWith('.c') || n.endsWith('.h')).map((n) => path.join(SOURCE_DIR, n));
  const shared = SHARED.flatMap((n) => [path.join(SHARED_DIR, n), path.join(SHARED_DIR, n.replace(/\.c$/, '.h'))]);
  const { dir, stale } = await planBuild({ name: 'lwip', checkout: CHECKOUT_BUILD_DIR, sources: [...own, ...shared], flags: [...REFERENCE_CFLAGS, ...LINK], binaries: ['tcplwip'] });
  if (stale.length === 0) return dir;
  if (!lwipInstalled())
    throw new MissingToolError(
      `the lwIP target needs lwIP's headers and library (${LWIP_INCLUDE}/lwipopts.h is missing): install them with \`apt-get install liblwip-dev\``,
      'liblwip-dev',
    );
  const compiler = await findCompiler();
  await mkdir(dir, { recursive: true });
  await compileProgram({
    compiler,
    sources: [...own.filter((f) => f.endsWith('.c')), ...shared.filter((f) => f.endsWith('.c'))],
    output: path.join(dir, 'tcplwip'),
    log,
    extra: [`-I${SHARED_DIR}`, `-I${LWIP_INCLUDE}`, ...LINK],
  });
  return dir;
}
