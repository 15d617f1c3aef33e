import fs from 'node:fs';
import { POLLERR, POLLHUP, POLLIN, POLLNVAL, sysClose, sysEventfd, sysPollAsync } from './libc.js';

/**
 * One poll(2) over every raw descriptor the harness reads (TUN devices,
 * trace_pipe), run on a single libuv worker thread. A blocking read per
 * descriptor would take one threadpool thread each and stall every other file
 * operation once there are more than four; one poll takes one thread in all.
 * Handlers run on the main thread and must drain their non-blocking
 * descriptor until EAGAIN.
 */

type Handler = () => void;

const POLLFD_SIZE = 8; // struct pollfd { int fd; short events; short revents; }

export class Reactor {
  private readonly handlers = new Map<number, Handler>();
  private wakeFd = -1;
  private running: Promise<void> | undefined;
  /** Resolves when the poll in flight returns: after that no poll holds a removed fd. */
  private pollReturned: Promise<void> = Promise.resolve();
  private markReturned: () => void = () => {};

  /** Calls `onReadable` on the main thread whenever `fd` has data (or an error). */
  add(fd: number, onReadable: Handler): void {
    this.handlers.set(fd, onReadable);
    this.ensureRunning();
    this.wake();
  }

  /**
   * Stops watching `fd`. Resolves once no poll in flight includes it, so the
   * caller may close it without the poll thread seeing a reused number.
   */
  async remove(fd: number): Promise<void> {
    if (!this.handlers.delete(fd)) return;
    const returned = this.pollReturned;
    this.wake();
    await returned;
  }

  get size(): number {
    return this.handlers.size;
  }

  private ensureRunning(): void {
    if (this.running) return;
    if (this.wakeFd < 0) this.wakeFd = sysEventfd();
    this.running = this.loop().finally(() => {
      this.running = undefined;
      // A descriptor added while the loop was winding down restarts it.
      if (this.handlers.size > 0) this.ensureRunning();
    });
  }

  private async loop(): Promise<void> {
    while (this.handlers.size > 0) {
      const fds = [this.wakeFd, ...this.handlers.keys()];
      const buf = Buffer.alloc(fds.length * POLLFD_SIZE);
      fds.forEach((fd, i) => {
        buf.writeInt32LE(fd, i * POLLFD_SIZE);
        buf.writeInt16LE(POLLIN, i * POLLFD_SIZE + 4);
      });
      this.pollReturned = new Promise((resolve) => (this.markReturned = resolve));
      let rc: number;
      try {
        rc = await sysPollAsync(buf, fds.length, -1);
      } finally {
        this.markReturned();
      }
      if (rc < 0) continue; // EINTR: poll again with the current set
      for (let i = 0; i < fds.length; i++) {
        const revents = buf.readInt16LE(i * POLLFD_SIZE + 6);
        if (revents === 0) continue;
        const fd = fds[i]!;
        if (fd === this.wakeFd) {
          this.drainWake();
          continue;
        }
        const handler = this.handlers.get(fd);
        if (!handler) continue;
        if (revents & POLLNVAL) {
          // Closed behind our back: stop watching rather than spin.
          this.handlers.delete(fd);
          continue;
        }
        if (revents & (POLLIN | POLLERR | POLLHUP)) handler();
      }
    }
  }

  private wake(): void {
    if (this.wakeFd < 0) return;
    const one = Buffer.alloc(8);
    one.writeBigUInt64LE(1n);
    fs.writeSync(this.wakeFd, one);
  }

  private drainWake(): void {
    try {
      fs.readSync(this.wakeFd, Buffer.alloc(8));
    } catch {
      // EAGAIN: already drained
    }
  }

  /** Stops the loop and releases the wake descriptor; the watched fds are the callers'. */
  async close(): Promise<void> {
    this.handlers.clear();
    this.wake();
    await this.running;
    if (this.wakeFd >= 0) sysClose(this.wakeFd);
    this.wakeFd = -1;
  }
}
