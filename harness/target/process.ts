import { execa } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { ControlChannel, ControlError } from './control.js';
import type { Readiness } from './definition.js';

/**
 * The process adapter: a target program started inside an endpoint's
 * namespace (`ip netns exec` enters the namespace and then execs the
 * program, so the PID we hold is the program's own), driven over its
 * stdin/stdout, stopped with stdin EOF, then SIGTERM, then SIGKILL.
 *
 * A target may misbehave in every way a program can: exit at once, never
 * say ready, crash, hang, ignore SIGTERM, flood its output, print garbage.
 * Each of these ends as a TargetError on the control channel (so pending
 * requests fail at once rather than time out), within bounded time and
 * memory, and `stop()` always ends the process.
 */

export interface StartOptions {
  ns: string;
  argv: string[];
  /** Shown in error messages: endpoint and target. */
  label: string;
  readyTimeoutMs: number;
  /** Run id, put in the process's environment as TCPCONFORM_RUN so leftovers can be found. */
  run: string;
  /** How readiness is known; default: the control protocol's ready event. */
  ready?: Readiness;
  /** false: the program cannot be driven; its stdout is output, not a control channel. Default true. */
  driven?: boolean;
  /** For ready: listening: whether the LISTEN socket shows yet (sock_diag in the endpoint's namespace). */
  listening?: () => boolean;
  /** Said in the message when the LISTEN socket never shows, e.g. 198.18.0.2:7000. */
  listenAt?: string;
  /** An undriven client: exiting (with any status: curl says 7 when the connection is refused) is its work done; only a signal is a failure. */
  endsByItself?: boolean;
  /** The process's own folder: the files are written there before it starts, and it is removed once the process has exited. */
  dir?: { path: string; files: Record<string, string> };
}

export class TargetError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
  }
}

/** How `stop()` ended the process: what a well-behaved target needs is `stdin-eof`. */
export type StopHow = 'already-exited' | 'stdin-eof' | 'sigterm' | 'sigkill' | 'unkillable';

const STDERR_TAIL = 4096;
/** How long a target may take to exit after stdin EOF, and after SIGTERM. */
const GRACE_MS = 500;
const KILL_AFTER_MS = 1000;
/** After SIGKILL a process can only linger in uninterruptible sleep; stop waiting then. */
const UNKILLABLE_AFTER_MS = 2000;
/**
 * Output a target may write during one spec. Protocol replies are small
 * (a captured recv is at most 128 KiB of hex); more than this is a flood,
 * and the target is failed rather than read forever.
 */
export const MAX_STDOUT_BYTES = 16 << 20;
export const MAX_STDERR_BYTES = 16 << 20;

export class TargetProcess {
  readonly control: ControlChannel;
  private stderrBuf = '';
  private stdoutLine = '';
  private readonly stdoutWatchers = new Set<(line: string) => void>();
  private stdoutBytes = 0;
  private stderrBytes = 0;
  private exitInfo: string | undefined;
  private stopping: Promise<StopHow> | undefined;
  readonly exited: Promise<void>;
  /** Settles (never rejects) with the first reason the target became unusable: exit, garbage, flood. */
  readonly failed: Promise<TargetError>;
  private resolveFailed!: (e: TargetError) => void;

  private constructor(
    readonly label: string,
    private readonly child: Child,
    private readonly driven: boolean,
    endsByItself: boolean,
  ) {
    this.failed = new Promise((resolve) => (this.resolveFailed = resolve));
    this.control = new ControlChannel(
      (line) => {
        if (!child.stdin?.writable) throw new Error(`${label}: stdin is closed`);
        child.stdin.write(line);
      },
      (garbage, why) => this.fail(`${label} ${why ? `sent ${why}` : 'printed something that is not the control protocol'}: ${JSON.stringify(garbage.slice(0, 200))}`),
    );
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      this.stdoutBytes += chunk.length;
      if (this.stdoutBytes > MAX_STDOUT_BYTES) this.fail(`${label} flooded ${driven ? 'its control channel' : 'stdout'}: more than ${MAX_STDOUT_BYTES >> 20} MiB on stdout`);
      else if (driven) this.control.feed(chunk);
      else this.watchStdout(chunk);
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.stderrBytes += chunk.length;
      this.stderrBuf = (chunk.length >= STDERR_TAIL ? chunk : this.stderrBuf + chunk).slice(-STDERR_TAIL);
      if (this.stderrBytes > MAX_STDERR_BYTES) this.fail(`${label} flooded stderr: more than ${MAX_STDERR_BYTES >> 20} MiB`);
    });
    // Writing to a target that died raises EPIPE on stdin; the exit handler reports it.
    child.stdin?.on('error', () => {});
    let done = false;
    this.exited = child.then(
      (r) => {
        this.exitInfo = r.signal ? `killed by ${r.signal}` : `exited with status ${r.exitCode}`;
        done = endsByItself && !r.signal;
      },
      (err: Error) => {
        this.exitInfo = `could not run: ${err.message}`;
      },
    );
    void this.exited.then(() => {
      if (!done) this.fail(`${label} ${this.exitInfo}`);
    });
  }

  /** Fails the control channel (first reason wins) and tells whoever waits on `failed`. */
  private fail(message: string): void {
    if (this.control.failed) return;
    const err = new TargetError(message, this.stderrTail());
    this.control.fail(err);
    this.resolveFailed(err);
  }

  /** An undriven program's stdout, line by line, to whoever waits for a line (readiness). */
  private watchStdout(chunk: string): void {
    if (this.stdoutWatchers.size === 0) return;
    const lines = (this.stdoutLine + chunk).split('\n');
    this.stdoutLine = lines.pop()!.slice(-4096);
    for (const line of lines) for (const w of [...this.stdoutWatchers]) w(line);
  }

  static async start(opts: StartOptions): Promise<TargetProcess> {
    if (opts.dir) writeFiles(opts.dir);
    let child: Child;
    try {
      child = spawn(opts);
    } catch (err) {
      removeDir(opts.dir);
      throw err;
    }
    const target = new TargetProcess(opts.label, child, opts.driven ?? true, opts.endsByItself ?? false);
    target.child.catch(() => {});
    void target.exited.then(() => removeDir(opts.dir));
    try {
      await target.becomeReady(opts);
    } catch (err) {
      await target.stop();
      const message = err instanceof ControlError ? `${opts.label} never became ready (${err.message})` : (err as Error).message;
      throw new TargetError(message, target.stderrTail());
    }
    return target;
  }

  /** Resolves once the program is ready by its target's rule; rejects when it fails first or time runs out. */
  private becomeReady(opts: StartOptions): Promise<void> {
    const ready = opts.ready ?? { kind: 'event' };
    if (ready.kind === 'event') return this.control.waitEvent((e) => e.event === 'ready', opts.readyTimeoutMs, `${opts.label} ready`).then(() => {});
    if (ready.kind === 'started') return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const cleanup: (() => void)[] = [];
      const finish = (err?: Error) => {
        for (const c of cleanup) c();
        if (err) reject(err);
        else resolve();
      };
      const limit = setTimeout(() => {
        const what =
          ready.kind === 'listening'
            ? `no LISTEN socket on ${opts.listenAt ?? 'its address and port'} within ${opts.readyTimeoutMs} ms`
            : ready.kind === 'stdout'
              ? `no line of stdout matched /${ready.pattern.source}/ within ${opts.readyTimeoutMs} ms`
              : `still waiting after ${opts.readyTimeoutMs} ms`;
        finish(new Error(`${opts.label} never became ready (${what})`));
      }, ready.kind === 'delay' ? Math.max(opts.readyTimeoutMs, ready.ms + 1000) : opts.readyTimeoutMs);
      cleanup.push(() => clearTimeout(limit));
      void this.failed.then((e) => finish(new Error(`${e.message} before it became ready`)));
      if (ready.kind === 'delay') {
        const t = setTimeout(() => finish(), ready.ms);
        cleanup.push(() => clearTimeout(t));
      } else if (ready.kind === 'stdout') {
        const watcher = (line: string) => {
          if (ready.pattern.test(line)) finish();
        };
        this.stdoutWatchers.add(watcher);
        cleanup.push(() => this.stdoutWatchers.delete(watcher));
      } else {
        const probe = opts.listening ?? (() => false);
        // sock_diag answers in microseconds: polling it is cheap, and nothing announces a listen().
        const poll = () => {
          if (probe()) finish();
          else t = setTimeout(poll, LISTEN_POLL_MS);
        };
        let t = setTimeout(poll, 0);
        cleanup.push(() => clearTimeout(t));
      }
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Set once the process has gone: how it ended. */
  get exit(): string | undefined {
    return this.exitInfo;
  }

  /** Why the target became unusable, once it has. */
  get failure(): Error | undefined {
    return this.control.failed;
  }

  stderrTail(): string {
    return this.stderrBuf;
  }

  /**
   * Ends the process: stdin EOF, then SIGTERM after a grace period, then
   * SIGKILL; resolves with what it took. Safe to call more than once.
   */
  stop(): Promise<StopHow> {
    this.stopping ??= this.escalate();
    return this.stopping;
  }

  private async escalate(): Promise<StopHow> {
    if (this.exitInfo !== undefined) return 'already-exited';
    this.child.stdin?.end();
    // A program that is not driven does not read stdin: its EOF says nothing to it.
    if (this.driven && (await settlesWithin(this.exited, GRACE_MS))) return 'stdin-eof';
    this.child.kill('SIGTERM');
    if (await settlesWithin(this.exited, KILL_AFTER_MS)) return 'sigterm';
    this.child.kill('SIGKILL');
    if (await settlesWithin(this.exited, UNKILLABLE_AFTER_MS)) return 'sigkill';
    return 'unkillable';
  }
}

/** How often sock_diag is asked whether a program listens yet. */
const LISTEN_POLL_MS = 10;

function writeFiles(dir: { path: string; files: Record<string, string> }): void {
  for (const [name, text] of Object.entries(dir.files)) fs.writeFileSync(path.join(dir.path, name), text);
}

function removeDir(dir: StartOptions['dir']): void {
  if (dir) fs.rmSync(dir.path, { recursive: true, force: true });
}

function spawn(opts: StartOptions) {
  return execa('ip', ['netns', 'exec', opts.ns, ...opts.argv], {
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: false,
    reject: false,
    // The escalation is ours (stop()); execa must not add a kill of its own.
    forceKillAfterDelay: false,
    env: { TCPCONFORM_RUN: opts.run },
  });
}

type Child = ReturnType<typeof spawn>;

function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void p.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}
