import { execa } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { O_CLOEXEC, O_NONBLOCK, O_RDONLY, sysClose, sysOpen } from '../sys/libc.js';
import type { Reactor } from '../sys/reactor.js';
import { parseTraceLine } from './tracepoint-parse.js';
import type { TraceEvent } from './types.js';

/**
 * The kernel tracepoint observer: a tracefs instance of the run's own, with
 * `sock:inet_sock_set_state` enabled, read through its trace_pipe. An
 * instance has its own ring buffer, so concurrent runs (and other users of
 * tracing) do not steal each other's events.
 */

export const TRACEFS_ROOTS = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'];

export class TracefsUnavailable extends Error {}

/** Finds tracefs, mounting it at /sys/kernel/tracing when it is not mounted. */
export async function ensureTracefs(): Promise<string> {
  for (const root of TRACEFS_ROOTS) if (fs.existsSync(path.join(root, 'instances'))) return root;
  const root = TRACEFS_ROOTS[0]!;
  const mounted = await execa('mount', ['-t', 'tracefs', 'nodev', root], { reject: false });
  if (mounted.exitCode === 0 && fs.existsSync(path.join(root, 'instances'))) return root;
  throw new TracefsUnavailable(
    `tracefs is not mounted and mounting it failed (${mounted.stderr.trim() || `exit ${mounted.exitCode}`}); ` +
      `as root run: mount -t tracefs nodev ${root}`,
  );
}

type Listener = (event: TraceEvent) => void;

const LOST = /\[LOST (\d+) EVENTS\]/;

export class TraceSession {
  private readonly listeners = new Map<Listener, ReadonlySet<string>>();
  private readonly chunk = Buffer.alloc(1 << 16);
  private partial = '';
  /** Events the kernel dropped because the ring buffer was full (its `[LOST n EVENTS]` notices). */
  lost = 0;
  private closed: Promise<void> | undefined;

  private constructor(
    readonly dir: string,
    private readonly fd: number,
    private readonly reactor: Reactor,
  ) {}

  /** `bufferKb`: ring buffer size per CPU (default 2048); heavy traffic needs more headroom. */
  static async open(instance: string, reactor: Reactor, opts: { bufferKb?: number } = {}): Promise<TraceSession> {
    const root = await ensureTracefs();
    const dir = path.join(root, 'instances', instance);
    fs.mkdirSync(dir);
    try {
      const w = (file: string, value: string) => fs.writeFileSync(path.join(dir, file), value);
      // Same clock as process.hrtime, so tracepoint and wire times share one axis.
      w('trace_clock', 'mono');
      // Wake the reader on the first event rather than when the buffer is half full.
      w('buffer_percent', '0');
      w('buffer_size_kb', String(opts.bufferKb ?? 2048));
      w('events/sock/inet_sock_set_state/filter', 'protocol == 6');
      w('events/sock/inet_sock_set_state/enable', '1');
      const fd = sysOpen(path.join(dir, 'trace_pipe'), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
      const session = new TraceSession(dir, fd, reactor);
      reactor.add(fd, () => session.drain());
      return session;
    } catch (err) {
      removeInstance(dir);
      throw err;
    }
  }

  /** Delivers events whose local address is one of `addrs` (labs are told apart by address). */
  subscribe(addrs: Iterable<string>, listener: Listener): () => void {
    this.listeners.set(listener, new Set(addrs));
    return () => this.listeners.delete(listener);
  }

  /** Reads every event already in the ring buffer, now: call before judging a timeline. */
  drain(): void {
    for (;;) {
      let n: number;
      try {
        n = fs.readSync(this.fd, this.chunk, 0, this.chunk.length, null);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK' || code === 'EBADF') return;
        throw err;
      }
      if (n <= 0) return;
      const text = this.partial + this.chunk.toString('utf8', 0, n);
      const lines = text.split('\n');
      this.partial = lines.pop() ?? '';
      for (const line of lines) this.dispatch(line);
    }
  }

  private dispatch(line: string): void {
    const event = parseTraceLine(line);
    if (!event) {
      const lost = LOST.exec(line);
      if (lost) this.lost += Number(lost[1]);
      return;
    }
    // A listener bound to the wildcard address has no lab address yet: every
    // lab sees it, and fusion keeps it only when its port is the lab's own.
    const wildcard = event.saddr === '0.0.0.0' || event.saddr === '::';
    for (const [listener, addrs] of this.listeners) {
      if (wildcard || addrs.has(event.saddr) || addrs.has(event.daddr)) listener(event);
    }
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      await this.reactor.remove(this.fd);
      sysClose(this.fd);
      removeInstance(this.dir);
    })();
    return this.closed;
  }
}

/** Disables the events and removes an instance directory (tracefs allows rmdir of a non-empty instance). */
export function removeInstance(dir: string): void {
  try {
    fs.writeFileSync(path.join(dir, 'events/enable'), '0');
  } catch {
    // already gone or never enabled
  }
  try {
    fs.rmdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
