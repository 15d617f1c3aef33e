/**
 * Builds the bundled reference programs (`tcpref-server`, `tcpref-client`)
 * from `targets/reference/src/` with the system C compiler, into
 * `targets/reference/build/` in a source checkout, and into a cache folder
 * of the user's own when the package is installed under node_modules (which
 * may be read-only or shared between projects) or the checkout is not this
 * user's to write: see {@link referenceBuildDir}.
 *
 * A binary is rebuilt only when it is missing or older than a source file.
 * Several processes may call this at once (parallel test workers, parallel
 * runs): each compiles to a private temporary name in the build directory
 * and renames it into place, which is atomic, so nobody ever executes a
 * half-written binary.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { planBuild, type BuildPlan } from './build-dir.js';

/** A tool the harness needs is not installed; the message says what to install. */
export class MissingToolError extends Error {
  override name = 'MissingToolError';
  constructor(
    message: string,
    /** The command that was looked for. */
    readonly tool: string,
  ) {
    super(message);
  }
}

/** Flags every build uses; warnings are errors so that sloppy C never ships. */
export const REFERENCE_CFLAGS: readonly string[] = ['-O2', '-Wall', '-Wextra', '-Werror', '-std=c11', '-D_GNU_SOURCE'];

// `../../` is the repository root from both harness/target/ (ts-jest) and
// dist/target/ (compiled).
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const REFERENCE_DIR = path.join(ROOT, 'targets', 'reference');
const SOURCE_DIR = path.join(REFERENCE_DIR, 'src');
const CHECKOUT_BUILD_DIR = path.join(REFERENCE_DIR, 'build');

/** Each program is its main file plus every shared `.c` file. */
const PROGRAMS = [
  { key: 'server', binary: 'tcpref-server', main: 'server.c' },
  { key: 'client', binary: 'tcpref-client', main: 'client.c' },
] as const;
const MAINS: ReadonlySet<string> = new Set(PROGRAMS.map((p) => p.main));

export interface ReferencePrograms {
  /** The build directory. */
  dir: string;
  /** Absolute path of `tcpref-server`. */
  server: string;
  /** Absolute path of `tcpref-client`. */
  client: string;
}

export interface EnsureOptions {
  /** Progress lines ("compiling tcpref-server: cc ..."); silent by default. */
  log?: (line: string) => void;
}

/** One build at a time per process; concurrent callers share it. */
let inflight: Promise<ReferencePrograms> | undefined;

/**
 * Makes sure both reference programs are built and up to date, compiling
 * them if needed, and returns their paths.
 *
 * @throws MissingToolError when no C compiler can be found.
 * @throws Error with the compiler's output when compilation fails.
 */
export async function ensureReferenceBuilt(opts: EnsureOptions = {}): Promise<ReferencePrograms> {
  inflight ??= build(opts).finally(() => {
    inflight = undefined;
  });
  return inflight;
}

async function build(opts: EnsureOptions): Promise<ReferencePrograms> {
  const log = opts.log ?? (() => {});
  const sources = await listSources();
  const { dir, stale } = await referencePlan(sources);
  const result: ReferencePrograms = { dir, server: path.join(dir, 'tcpref-server'), client: path.join(dir, 'tcpref-client') };
  if (stale.length === 0) return result;

  const compiler = await findCompiler();
  await mkdir(dir, { recursive: true });
  const shared = sources.filter((f) => f.endsWith('.c') && !MAINS.has(path.basename(f)));
  await Promise.all(
    PROGRAMS.filter((program) => stale.includes(program.binary)).map((program) =>
      compileProgram({
        compiler,
        sources: [path.join(SOURCE_DIR, program.main), ...shared],
        output: result[program.key],
        log,
      }),
    ),
  );
  return result;
}

/**
 * Where the programs are built. `TCPCONFORM_REFERENCE_BUILD` wins; else a
 * source checkout builds beside its sources, and an installed package, or a
 * checkout this user may not write, builds into a cache of the user's own
 * (`$XDG_CACHE_HOME/tcpconform`, `~/.cache/tcpconform`, or the user's
 * private state folder when there is no home): see {@link planBuild}.
 */
export async function referenceBuildDir(sources?: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return (await referencePlan(sources ?? (await listSources()), env)).dir;
}

function referencePlan(sources: string[], env: NodeJS.ProcessEnv = process.env): Promise<BuildPlan> {
  return planBuild(
    {
      name: 'reference',
      checkout: CHECKOUT_BUILD_DIR,
      chosen: env['TCPCONFORM_REFERENCE_BUILD']?.trim(),
      sources,
      flags: REFERENCE_CFLAGS,
      binaries: PROGRAMS.map((p) => p.binary),
    },
    env,
  );
}

/** Every `.c` and `.h` file of the reference sources, sorted. */
async function listSources(): Promise<string[]> {
  const names = (await readdir(SOURCE_DIR)).filter((n) => n.endsWith('.c') || n.endsWith('.h')).sort();
  for (const program of PROGRAMS) {
    if (!names.includes(program.main)) {
      throw new Error(`reference sources are incomplete: ${path.join(SOURCE_DIR, program.main)} is missing`);
    }
  }
  return names.map((n) => path.join(SOURCE_DIR, n));
}

function isNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'EACCES';
}

/**
 * The compiler command to use, as argv words: `$CC` if it runs (it may
 * carry flags, e.g. `CC="gcc -m64"`), else `cc`.
 *
 * @throws MissingToolError when neither can be started.
 */
export async function findCompiler(env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const fromEnv = env['CC']?.trim();
  const candidates = [...(fromEnv ? [fromEnv.split(/\s+/)] : []), ['cc']];
  for (const [command, ...args] of candidates) {
    if (command === undefined) continue;
    try {
      await execa(command, [...args, '--version'], { env, stdin: 'ignore', timeout: 30_000 });
      return [command, ...args];
    } catch (error) {
      // Present but unhappy with --version (some compilers are): it still
      // exists, so let the real compile speak for itself.
      if (!isNotFound(error)) return [command, ...args];
    }
  }
  const looked = fromEnv ? `$CC (${fromEnv}), cc` : '$CC (unset), cc';
  throw new MissingToolError(
    `no C compiler found (looked for ${looked}): install one, e.g. \`apt-get install gcc\` on Debian/Ubuntu, ` +
      'or set CC to the compiler to use',
    fromEnv ?? 'cc',
  );
}

export interface CompileOptions {
  /** Compiler argv words, as {@link findCompiler} returns them. */
  compiler: string[];
  sources: string[];
  /** Final path of the binary; written atomically. */
  output: string;
  log?: (line: string) => void;
  /** Extra compiler arguments after the sources (include folders, libraries). */
  extra?: string[];
}

/**
 * Compiles `sources` into `output` with {@link REFERENCE_CFLAGS}, through a
 * temporary file in the same directory and an atomic rename.
 *
 * @throws Error including the compiler's diagnostics when it fails.
 */
export async function compileProgram(opts: CompileOptions): Promise<void> {
  const [command, ...preset] = opts.compiler;
  if (command === undefined) throw new Error('compileProgram: empty compiler command');
  const name = path.basename(opts.output);
  const temp = path.join(path.dirname(opts.output), `.${name}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const args = [...preset, ...REFERENCE_CFLAGS, '-o', temp, ...opts.sources, ...(opts.extra ?? [])];
  opts.log?.(`building ${name} with ${command} (${path.relative(process.cwd(), path.dirname(opts.output)) || '.'})`);
  try {
    const result = await execa(command, args, { reject: false, stdin: 'ignore', all: true });
    if (result.failed) {
      if (isNotFound(result)) {
        throw new MissingToolError(
          `no C compiler found (${command} could not be started): install one, e.g. \`apt-get install gcc\` on Debian/Ubuntu`,
          command,
        );
      }
      const output = String(result.all ?? result.stderr ?? '').trim();
      const hint = /[\w/.-]+\.h: No such file or directory/.test(output)
        ? '\n(system headers seem to be missing: install them, e.g. `apt-get install build-essential` on Debian/Ubuntu)'
        : '';
      throw new Error(
        `compiling ${name} failed (${result.exitCode !== undefined ? `exit status ${result.exitCode}` : result.shortMessage}):\n` +
          `${[command, ...args].join(' ')}\n${output}${hint}`,
      );
    }
    await rename(temp, opts.output);
  } finally {
    await rm(temp, { force: true });
  }
}
