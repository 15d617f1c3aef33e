/**
 * Client side of the control protocol (docs/control-protocol.md): JSON
 * objects, one a line, with request ids; replies may come out of order and
 * events carry no id.
 */

export interface Reply {
  id: number;
  ok: boolean;
  errno?: string;
  error?: string;
  message?: string;
  [field: string]: unknown;
}

export interface ControlEvent {
  event: string;
  [field: string]: unknown;
}

export class ControlError extends Error {
  constructor(
    message: string,
    readonly reply?: Reply,
  ) {
    super(message);
  }
}

interface Pending {
  op: string;
  resolve: (r: Reply) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/** Longest line accepted from a target: a flood of garbage must not grow memory without bound. */
const MAX_LINE = 1 << 20;
/**
 * Events kept for `waitEvent`: at least the last MAX_EVENTS, at most twice
 * that, and the ready event always. A target that floods the channel with
 * well-formed events must not grow memory without bound either.
 */
const MAX_EVENTS = 1000;

export class ControlChannel {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private buffered = '';
  private failure: Error | undefined;
  readonly events: ControlEvent[] = [];
  private readonly eventWaiters: {
    match: (e: ControlEvent) => boolean;
    resolve: (e: ControlEvent) => void;
    reject: (e: Error) => void;
  }[] = [];

  constructor(
    private readonly write: (line: string) => void,
    /** Told about lines that break the protocol: garbage, or (`why`) a well-formed line out of place. */
    private readonly onGarbage: (line: string, why?: string) => void,
  ) {}

  /** Feeds bytes read from the target's stdout. */
  feed(chunk: string): void {
    // Once the channel has failed nothing more is read into it: a target
    // flooding its stdout costs no more than reading and dropping.
    if (this.failure) return;
    this.buffered += chunk;
    // One pass over the complete lines, then one slice: slicing the rest of
    // the buffer after each line would be quadratic in the lines per chunk.
    let from = 0;
    let nl: number;
    while (!this.failure && (nl = this.buffered.indexOf('\n', from)) >= 0) {
      const line = this.buffered.slice(from, nl).trim();
      from = nl + 1;
      if (line) this.handleLine(line);
    }
    this.buffered = this.failure ? '' : this.buffered.slice(from);
    if (this.buffered.length > MAX_LINE) {
      this.onGarbage(this.buffered.slice(0, 200));
      this.buffered = '';
    }
  }

  private handleLine(line: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      this.onGarbage(line);
      return;
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
      this.onGarbage(line);
      return;
    }
    const obj = msg as Record<string, unknown>;
    if (typeof obj.event === 'string') {
      const event = obj as ControlEvent;
      // Trimmed in halves, keeping the first (ready) event: one splice per
      // MAX_EVENTS events instead of one per event while a target floods.
      if (this.events.length >= 2 * MAX_EVENTS) this.events.splice(1, MAX_EVENTS);
      this.events.push(event);
      for (let i = this.eventWaiters.length - 1; i >= 0; i--) {
        const w = this.eventWaiters[i]!;
        if (w.match(event)) {
          this.eventWaiters.splice(i, 1);
          w.resolve(event);
        }
      }
      return;
    }
    const id = obj.id;
    const pending = typeof id === 'number' ? this.pending.get(id) : undefined;
    if (!pending || typeof obj.ok !== 'boolean') {
      // An id this side issued, no longer pending: the target answered twice, or after the timeout.
      const late = typeof id === 'number' && Number.isInteger(id) && id > 0 && id < this.nextId && typeof obj.ok === 'boolean';
      this.onGarbage(line, late ? `a second or late reply to request ${id}, which was answered or given up already` : undefined);
      return;
    }
    this.pending.delete(id as number);
    clearTimeout(pending.timer);
    const reply = obj as Reply;
    if (reply.ok) pending.resolve(reply);
    else
      pending.reject(
        new ControlError(
          `${pending.op} failed: ${reply.errno ?? reply.error ?? 'error'}${reply.message ? ` (${reply.message})` : ''}`,
          reply,
        ),
      );
  }

  request(op: string, fields: Record<string, unknown>, timeoutMs: number): Promise<Reply> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new ControlError(`${op}: no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { op, resolve, reject, timer });
      try {
        this.write(JSON.stringify({ id, op, ...fields }) + '\n');
      } catch (err) {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  /** Resolves with the first event (already seen or future) that matches. */
  waitEvent(match: (e: ControlEvent) => boolean, timeoutMs: number, what: string): Promise<ControlEvent> {
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (e: ControlEvent) => {
          clearTimeout(timer);
          resolve(e);
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        this.eventWaiters.splice(this.eventWaiters.indexOf(waiter), 1);
        reject(new ControlError(`${what}: not within ${timeoutMs} ms`));
      }, timeoutMs);
      this.eventWaiters.push(waiter);
    });
  }

  /** Why the channel failed, once it has. */
  get failed(): Error | undefined {
    return this.failure;
  }

  /** The target went away or broke the protocol: everything still waiting fails with `reason`; the first reason sticks. */
  fail(reason: Error): void {
    this.failure ??= reason;
    this.buffered = '';
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(reason);
      this.pending.delete(id);
    }
    for (const w of this.eventWaiters.splice(0)) w.reject(reason);
  }
}
