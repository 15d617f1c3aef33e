import { execa } from 'execa';

/**
 * A server program that speaks no control protocol (an ad hoc `--server`):
 * started inside the server's namespace, left to do what it does by itself,
 * its output drained (only the tail of stderr is kept, for messages), and
 * ended with SIGTERM, then SIGKILL.
 */

/** Characters of stderr kept for messages. */
export const STDERR_TAIL = 4096;
const KILL_AFTER_MS = 1000;

export class PlainServer {
  private stderrBuf = '';
  private exitInfo: string | undefined;
  readonly exited: Promise<void>;
  private stopping: Promise<void> | undefined;

  private constructor(private readonly child: ReturnType<typeof spawnInNamespace>) {
    child.stdout?.resume();
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => (this.stderrBuf = (this.stderrBuf + chunk).slice(-STDERR_TAIL)));
    this.exited = child.then(
      (r) => {
        this.exitInfo = r.signal ? `killed by ${r.signal}` : `exited with status ${r.exitCode}`;
      },
      (err: Error) => {
        this.exitInfo = `could not run: ${err.message}`;
      },
    );
  }

  static start(ns: string, argv: string[], run: string): PlainServer {
    return new PlainServer(spawnInNamespace(ns, argv, run));
  }

  /** How the process ended, once it has. */
  get exit(): string | undefined {
    return this.exitInfo;
  }

  stderrTail(): string {
    return this.stderrBuf;
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.exitInfo !== undefined) return;
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), KILL_AFTER_MS);
      await this.exited;
      clearTimeout(timer);
    })();
    return this.stopping;
  }
}

/** A program in a lab namespace, its output piped unbuffered, marked with the run for the reaper. */
export function spawnInNamespace(ns: string, argv: string[], run: string) {
  return execa('ip', ['netns', 'exec', ns, ...argv], {
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: false,
    reject: false,
    forceKillAfterDelay: false,
    env: { TCPCONFORM_RUN: run },
  });
}
