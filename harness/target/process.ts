import { execa } from 'execa';
import { ControlChannel, ControlError } from './control.js';

/**
 * The process adapter: a target program started inside an endpoint's
 * namespace (`ip netns exec` enters the namespace and then execs the
 * program, so the PID we hold is the program's own), driven over its
 * stdin/stdout, stopped with stdin EOF, then SIGTERM, then SIGKILL.
 */

export interface StartOptions {
  ns: string;
  argv: string[];
  /** Shown in error messages: endpoint and target. */
  label: string;
  readyTimeoutMs: number;
  /** Run id, put in the process's environment as TCPCONFORM_RUN so leftovers can be found. */
  run: string;
}

export class TargetError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
  }
}

const STDERR_TAIL = 4096;
/** How long a target may take to exit after stdin EOF, and after SIGTERM. */
const GRACE_MS = 500;
const KILL_AFTER_MS = 1000;

export class TargetProcess {
  readonly control: ControlChannel;
  private stderrBuf = '';
  private exitInfo: string | undefined;
  readonly exited: Promise<void>;

  private constructor(
    readonly label: string,
    private readonly child: Child,
  ) {
    this.control = new ControlChannel(
      (line) => {
        if (!child.stdin?.writable) throw new Error(`${label}: stdin is closed`);
        child.stdin.write(line);
      },
      (garbage) =>
        this.control.fail(
          new TargetError(`${label} printed something that is not the control protocol: ${JSON.stringify(garbage.slice(0, 200))}`, this.stderrTail()),
        ),
    );
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => this.control.feed(chunk));
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.stderrBuf = (this.stderrBuf + chunk).slice(-STDERR_TAIL);
    });
    // Writing to a target that died raises EPIPE on stdin; the exit handler reports it.
    child.stdin?.on('error', () => {});
    this.exited = child.then(
      (r) => {
        this.exitInfo = r.signal ? `killed by ${r.signal}` : `exited with status ${r.exitCode}`;
      },
      (err: Error) => {
        this.exitInfo = `could not run: ${err.message}`;
      },
    );
    void this.exited.then(() =>
      this.control.fail(new TargetError(`${label} ${this.exitInfo}`, this.stderrTail())),
    );
  }

  static async start(opts: StartOptions): Promise<TargetProcess> {
    const child = spawn(opts);
    const target = new TargetProcess(opts.label, child);
    target.child.catch(() => {});
    try {
      await target.control.waitEvent((e) => e.event === 'ready', opts.readyTimeoutMs, `${opts.label} ready`);
    } catch (err) {
      await target.stop();
      const message = err instanceof ControlError ? `${opts.label} never became ready (${err.message})` : (err as Error).message;
      throw new TargetError(message, target.stderrTail());
    }
    return target;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Set once the process has gone: how it ended. */
  get exit(): string | undefined {
    return this.exitInfo;
  }

  stderrTail(): string {
    return this.stderrBuf;
  }

  /** Ends the process: stdin EOF, then SIGTERM after a grace period, then SIGKILL. */
  async stop(): Promise<void> {
    if (this.exitInfo !== undefined) return;
    this.child.stdin?.end();
    if (await settlesWithin(this.exited, GRACE_MS)) return;
    this.child.kill('SIGTERM');
    await this.exited;
  }
}

function spawn(opts: StartOptions) {
  return execa('ip', ['netns', 'exec', opts.ns, ...opts.argv], {
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: false,
    reject: false,
    forceKillAfterDelay: KILL_AFTER_MS,
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
