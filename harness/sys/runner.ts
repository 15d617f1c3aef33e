import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';

type Shell = ChildProcessByStdio<Writable, Readable, null>;

/**
 * Short helper commands (`ip netns add`, `ip -batch`, ...) run through one
 * long-lived shell instead of being spawned by Node one by one. Spawning
 * from Node forks the whole Node process on the main thread, several
 * milliseconds each on a busy machine, during which no packet is relayed;
 * the shell forks a small process instead, off the event loop. Commands run
 * concurrently (each in the background of the shell); each reports its exit
 * status and output on one line of the shell's stdout.
 *
 * The shell runs in a process group of its own, so that a Ctrl-C meant for
 * the harness does not end it while the harness still needs it to clean up.
 * It exits when its stdin closes, that is with the harness.
 */

export interface CommandResult {
  exitCode: number;
  /** stdout and stderr together. */
  output: string;
}

let shell: Shell | undefined;
let nextId = 1;
let buffered = '';
const pending = new Map<number, (r: CommandResult) => void>();

/** Quotes one word for the shell: single quotes, with each ' written as '\''. */
function quote(word: string): string {
  return `'${word.replaceAll("'", "'\\''")}'`;
}

function start(): Shell {
  const child = spawn('/bin/sh', ['-s'], { stdio: ['pipe', 'pipe', 'ignore'], detached: true, env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' } });
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    const lines = (buffered + chunk).split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      const m = /^tcpconform-done (\d+) (\d+) ?(.*)$/.exec(line);
      if (!m) continue;
      const resolve = pending.get(Number(m[1]));
      pending.delete(Number(m[1]));
      resolve?.({ exitCode: Number(m[2]), output: Buffer.from(m[3] ?? '', 'base64').toString('utf8') });
      if (pending.size === 0) idle(child);
    }
  });
  child.stdin.on('error', () => {});
  const fail = (): void => {
    if (shell === child) shell = undefined;
    // Whatever was in flight is unknown: report it as failed rather than hang.
    for (const [id, resolve] of pending) {
      pending.delete(id);
      resolve({ exitCode: 127, output: 'the command shell exited' });
    }
  };
  child.on('exit', fail);
  child.on('error', fail);
  return child;
}

/** Lets Node exit while the shell waits for work. */
function idle(child: Shell): void {
  child.unref();
  (child.stdout as unknown as Socket).unref();
  (child.stdin as unknown as Socket).unref();
}

function busy(child: Shell): void {
  child.ref();
  (child.stdout as unknown as Socket).ref();
  (child.stdin as unknown as Socket).ref();
}

/** Runs `argv` (a program found on PATH and its arguments), with `input` on its stdin. */
export function runCommand(argv: string[], input?: string): Promise<CommandResult> {
  shell ??= start();
  const child = shell;
  const id = nextId++;
  const delimiter = `TCPCONFORM_INPUT_${id}`;
  const command = argv.map(quote).join(' ');
  const stdin = input === undefined ? '</dev/null' : `<<'${delimiter}'\n${input.endsWith('\n') ? input : input + '\n'}${delimiter}`;
  // One line of result per command: its exit status, and its output (if any) in base64 so that it fits one line.
  const report = `s=$?; if [ -z "$out" ]; then echo "tcpconform-done ${id} $s"; else echo "tcpconform-done ${id} $s $(printf %s "$out" | base64 | tr -d '\\n')"; fi`;
  const script = `{ out=$(${command} 2>&1 ${stdin}\n); ${report}; } &\n`;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    busy(child);
    child.stdin.write(script);
  });
}
