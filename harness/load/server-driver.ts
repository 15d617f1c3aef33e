import type { ControlChannel } from '../target/control.js';

/**
 * Drives a server that speaks the control protocol through load mode's
 * lifecycles: one listener, up to `concurrency` accepts waiting at once,
 * and for each accepted connection a read until end of file, then close.
 * Failed replies are counted, not judged: the observers judge.
 */

export interface DriverOptions {
  addr: string;
  port: number;
  /** Connections to accept in all. */
  total: number;
  concurrency: number;
  /** How long a reply to listen or close may take. */
  replyMs: number;
  /** How long a connection may take to reach end of file. */
  recvMs: number;
}

/** Pending accepts wait for the whole load; their timers must not end it early. */
const ACCEPT_WAIT_MS = 2 ** 31 - 1;

export class ServerDriver {
  private listener = 0;
  private issued = 0;
  private stopped = false;
  /** Failed replies by error name (errno or protocol error). */
  readonly errors: Record<string, number> = {};

  constructor(
    private readonly control: ControlChannel,
    private readonly opts: DriverOptions,
  ) {}

  async listen(): Promise<void> {
    const { addr, port, concurrency } = this.opts;
    const reply = await this.control.request('listen', { addr, port, backlog: Math.max(4096, concurrency * 2) }, this.opts.replyMs);
    this.listener = Number(reply.conn);
  }

  start(): void {
    for (let i = 0; i < Math.min(this.opts.concurrency, this.opts.total); i++) this.acceptOne();
  }

  /** Stops issuing requests; what is pending ends with the process. */
  stop(): void {
    this.stopped = true;
  }

  private acceptOne(): void {
    if (this.stopped || this.issued >= this.opts.total) return;
    this.issued++;
    this.control.request('accept', { conn: this.listener }, ACCEPT_WAIT_MS).then(
      (reply) => {
        this.acceptOne();
        void this.serve(Number(reply.conn));
      },
      (err: unknown) => this.count(err),
    );
  }

  private async serve(conn: number): Promise<void> {
    try {
      await this.control.request('recv', { conn, until: 'eof' }, this.opts.recvMs);
    } catch (err) {
      this.count(err);
    }
    if (this.stopped) return;
    try {
      await this.control.request('close', { conn }, this.opts.replyMs);
    } catch (err) {
      this.count(err);
    }
  }

  private count(err: unknown): void {
    if (this.stopped) return;
    const reply = (err as { reply?: { errno?: string; error?: string } }).reply;
    const name = reply?.errno ?? reply?.error ?? (err as Error).message;
    this.errors[name] = (this.errors[name] ?? 0) + 1;
  }
}
