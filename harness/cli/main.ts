import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { BUNDLED_SPECS, packageVersion } from '../api/package.js';
import { formatDiagnostic, type Diagnostic } from '../spec/diagnostic.js';
import { MAX_CONNECTIONS } from '../load/load.js';
import { BEHAVIOUR_NAMES } from '../spec/capabilities.js';
import { loadSpecs } from '../spec/load.js';
import { cleanCommand, type CleanFlags } from './clean.js';
import { doctorCommand } from './doctor.js';
import { initCommand, type InitFlags } from './init.js';
import { EXIT, type Io } from './io.js';
import { intIn, loadCommand, type LoadFlags } from './load.js';
import { REPORT_DEFAULT_REPORTERS, reportCommand, type ReportFlags } from './report.js';
import { matrixCommand, type MatrixFlags } from './matrix.js';
import { listJson, type ListFlags } from './list.js';
import { runCommand } from './run.js';
import { SHOW_DEFAULT_RESULTS, showCommand, type ShowFlags } from './show.js';

/**
 * `tcpconform`: the command line. Everything it reads and writes goes
 * through `io`, so tests drive it in-process; exit codes are in `EXIT`.
 */

export async function main(io: Io): Promise<number> {
  let code: number = EXIT.ok;
  const program = new Command('tcpconform')
    .description('Conformance tests for the TCP connection state machine (RFC 9293), run against real TCP stacks')
    .version(packageVersion())
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(run tcpconform --help for usage)');

  program
    .command('run')
    .description('run specs against targets and write reports (default: the bundled suite against the bundled reference)')
    .argument('[paths...]', 'spec files or folders', [])
    .option('-g, --grep <pattern>', 'only specs whose id or title matches this regular expression')
    .addOption(new Option('-j, --jobs <n>', 'specs run at once').argParser(positiveInt('--jobs')))
    .option('-r, --reporter <names>', 'reporters, comma-separated: console, json, junit, html, markdown', 'console,json,junit,html,markdown')
    .option('-o, --out <dir>', 'folder for reports; each run writes <dir>/<run>/ and <dir>/latest', 'reports')
    .option('-t, --target <target>', 'target: bundled id or target file; repeat it or give a comma list to run against several (default: reference)', collect, [])
    .option('--server <command>', "test this server command without a target file, e.g. 'python3 -m http.server {port} --bind {addr}'")
    .option('--server-does <behaviours>', `what the --server command does by itself, comma-separated: ${BEHAVIOUR_NAMES.join(', ')}`)
    .option('--client <command>', "test this client command without a target file, started at the connect step, e.g. 'curl --http1.0 http://{peerport}/'")
    .option('--client-does <behaviours>', 'what the --client command does by itself, comma-separated (as --server-does)')
    .addOption(new Option('--ip <version>', 'IP version the specs run over').choices(['4', '6', 'both']).default('4'))
    .option('--real-timers', "keep the kernel's protocol timers (default: shortened inside the labs, see docs/specs.md)")
    .option('--no-color', 'no colors in console output')
    .action(async (paths: string[], opts: RunFlags) => {
      code = await runCommand(io, paths.length ? paths : [BUNDLED_SPECS], opts, packageVersion());
    });

  program
    .command('matrix')
    .description('send every kind of segment to the target in every state and judge its reaction against RFC 9293 (docs/matrix.md)')
    .argument('[files...]', 'with --diff: two matrix.json files (or their folders)', [])
    .option('-t, --target <target>', 'target (bundled id or target file) under test', 'reference')
    .option('-p, --profile <profile>', 'rfc9293 (the original checks) or rfc5961 (challenge ACKs)', 'rfc9293')
    .option('--state <states>', 'only these states, comma-separated (e.g. ESTABLISHED,TIME_WAIT)')
    .option('--segment <kinds>', 'only these segment kinds, comma-separated (e.g. SYN,RST+ACK,data)')
    .addOption(new Option('-j, --jobs <n>', 'cells run at once (default 8)').argParser(positiveInt('--jobs')))
    .addOption(new Option('--ip <version>', 'IP version the cells run over').choices(['4', '6']).default('4'))
    .option('-o, --out <dir>', 'folder for reports; each matrix writes <dir>/matrix/<run>/ and <dir>/matrix/latest', 'reports')
    .option('--diff', 'compare two matrix.json files instead of running')
    .option('--no-color', 'no colors in console output')
    .action(async (files: string[], opts: MatrixFlags) => {
      code = await matrixCommand(io, files, opts, packageVersion());
    });

  program
    .command('load')
    .description('run many connection lifecycles against one server and check every one (default: the bundled reference server)')
    .addOption(new Option('-n, --connections <n>', 'lifecycles to run').argParser(intIn('--connections', 1, MAX_CONNECTIONS, ' (each leaves a TIME_WAIT holding a client port for 60 s)')).default(1000))
    .addOption(new Option('-c, --concurrency <n>', 'connections open at once').argParser(intIn('--concurrency', 1, 4096)).default(64))
    .option('-t, --target <target>', 'server: bundled target id or target file (default: reference)')
    .option('--server <command>', "server: an ad hoc command line with {port} and optionally {addr}, e.g. 'socat TCP-LISTEN:{port},bind={addr},fork EXEC:cat'")
    .addOption(new Option('--bytes <n>', 'bytes the client sends on each connection before closing').argParser(intIn('--bytes', 0, 1 << 20)).default(0))
    .addOption(new Option('--timeout <ms>', 'how long one lifecycle may take before the client gives up on it').argParser(intIn('--timeout', 100, 600000)).default(3000))
    .addOption(new Option('--ip <version>', 'IP version').choices(['4', '6']).default('4'))
    .option('--json', 'print the summary as one JSON object')
    .action(async (opts: LoadFlags) => {
      code = await loadCommand(io, opts);
    });

  program
    .command('list')
    .description('list the specs found in paths (default: the bundled suite)')
    .argument('[paths...]', 'spec files or folders', [])
    .option('-g, --grep <pattern>', 'only specs whose id or title matches')
    .option('--json', 'print a JSON array of { id, title, file } (and deviation, with --target)')
    .option('-t, --target <target>', "with --json: mark the specs this target's file documents as deviations")
    .action(async (paths: string[], opts: ListFlags) => {
      const { specs, diagnostics } = await loadSpecs(paths.length ? paths : [BUNDLED_SPECS], { cwd: io.cwd });
      if (printDiagnostics(io, diagnostics)) return void (code = EXIT.badInput);
      const grep = compileGrep(io, opts.grep);
      if (grep === null) return void (code = EXIT.badInput);
      const listed = specs.filter((s) => !grep || grep.test(s.id) || grep.test(s.title));
      if (opts.json) return void (code = await listJson(io, listed, opts.target));
      for (const s of listed) io.stdout.write(`${s.id}\t${s.title}\n`);
    });

  program
    .command('validate')
    .description('check spec files: syntax, schema, state names, legal RFC 9293 paths')
    .argument('[paths...]', 'spec files or folders', [])
    .action(async (paths: string[]) => {
      const { specs, diagnostics, files } = await loadSpecs(paths.length ? paths : [BUNDLED_SPECS], { cwd: io.cwd });
      if (printDiagnostics(io, diagnostics)) return void (code = EXIT.badInput);
      io.stdout.write(`${specs.length} spec(s) in ${files.length} file(s): valid\n`);
    });

  program
    .command('init')
    .description('write a starter spec folder and a target file for your server (never over existing files)')
    .argument('[dir]', 'folder to write into', 'tcpconform')
    .option('--server <argv>', 'the command that starts your server, e.g. "./my-server --port {port}"')
    .action(async (dir: string, opts: InitFlags) => {
      code = await initCommand(io, dir, opts);
    });

  program
    .command('doctor')
    .description('check that this machine can run tcpconform, and list what earlier runs left behind')
    .option('--json', 'print the checks as JSON')
    .action(async (opts: { json?: boolean }) => {
      code = await doctorCommand(io, opts);
    });

  program
    .command('clean')
    .description('remove what dead runs left behind: processes, namespaces, tracefs instances, lock files')
    .option('-n, --dry-run', 'only say what would be removed')
    .option('--run <id>', 'only this run')
    .action(async (opts: CleanFlags) => {
      code = await cleanCommand(io, opts);
    });

  program
    .command('report')
    .description('rebuild the reports (index.html, summary.md, junit.xml, results.json) from a results file')
    .argument('<results>', 'results.json, or the run folder holding it')
    .option('-o, --out <dir>', 'folder for the reports (default: the folder of the results file)')
    .option('-r, --reporter <names>', 'reporters, comma-separated: html, markdown, junit, json, console', REPORT_DEFAULT_REPORTERS)
    .option('--no-color', 'no colors in console output')
    .action(async (results: string, opts: ReportFlags) => {
      code = await reportCommand(io, results, opts);
    });

  program
    .command('show')
    .description("print one spec's ladder diagram and state timelines from a results file")
    .argument('<spec-id>', 'id of the spec')
    .option('--results <path>', 'results.json, or the run folder holding it', SHOW_DEFAULT_RESULTS)
    .option('--no-color', 'no colors')
    .action(async (id: string, opts: ShowFlags) => {
      code = await showCommand(io, id, opts);
    });

  try {
    await program.parseAsync(io.argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok;
      return EXIT.badInput;
    }
    throw err;
  }
  return code;
}

export interface RunFlags {
  grep?: string;
  jobs?: number;
  reporter: string;
  out: string;
  target: string[];
  server?: string;
  serverDoes?: string;
  client?: string;
  clientDoes?: string;
  realTimers?: boolean;
  ip: '4' | '6' | 'both';
  color: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function positiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > 1024) throw new InvalidArgumentError(`${flag} takes a whole number from 1 to 1024`);
    return n;
  };
}

export function compileGrep(io: Io, pattern: string | undefined): RegExp | undefined | null {
  if (pattern === undefined) return undefined;
  try {
    return new RegExp(pattern);
  } catch (err) {
    io.stderr.write(`error: --grep: ${(err as Error).message}\n`);
    return null;
  }
}

/** Prints every diagnostic; true when there were any. */
export function printDiagnostics(io: Io, diagnostics: Diagnostic[]): boolean {
  for (const d of diagnostics) io.stderr.write(formatDiagnostic(d, { color: io.stderr.isTTY === true }) + '\n\n');
  if (diagnostics.length) io.stderr.write(`${diagnostics.length} error(s)\n`);
  return diagnostics.length > 0;
}
