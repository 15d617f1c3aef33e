import type { Lab } from '../lab/lab.js';
import { fuse } from '../observe/fusion.js';
import { fuseWithoutTracepoint } from '../observe/wire-fusion.js';
import { monoNow } from '../lab/clock.js';
import { inferTimelines, type AppAction } from '../model/wire.js';
import { wireSegments } from './wire-check.js';
import type { TraceSession } from '../observe/tracefs.js';
import type { EndpointContext, Micros, SockDiagSnapshot, Timeline, TraceEvent } from '../observe/types.js';

/**
 * Everything observed in one lab so far, and the fused timelines computed
 * from it on demand. Fusion is pure and the inputs are small, so timelines
 * are recomputed from scratch rather than updated incrementally.
 */
export class Observations {
  readonly trace: TraceEvent[] = [];
  readonly snapshots: SockDiagSnapshot[] = [];
  private readonly waiters = new Set<() => void>();
  private readonly unsubscribe: (() => void)[];

  constructor(
    private readonly lab: Lab,
    /** The tracepoint's session; absent without root, when the wire and sock_diag judge kernel endpoints. */
    private readonly session: TraceSession | undefined,
    readonly endpoints: EndpointContext[],
    /** Endpoints the harness plays: no kernel to observe, their states come from the wire. */
    private readonly peers: ReadonlySet<string> = new Set(),
    private readonly actions: () => AppAction[] = () => [],
  ) {
    this.unsubscribe = [lab.relay.onPacket(() => this.notify())];
    if (session)
      this.unsubscribe.push(
        session.subscribe(
          endpoints.map((e) => e.addr),
          (event) => {
            this.trace.push(event);
            this.notify();
          },
        ),
      );
  }

  /** Resolves at the next new evidence (trace event, packet, snapshot) or after `ms`. */
  changed(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Reads the socket tables (sock_diag) of the given endpoints' namespaces (all by default). */
  snapshot(names?: string[]): void {
    for (const n of names ?? this.endpoints.map((e) => e.name)) {
      const diag = this.lab.endpoint(n).diag;
      if (!diag) continue;
      const t = monoNow();
      const sockets = diag.sockets();
      this.snapshots.push({ t, tEnd: monoNow(), endpoint: n, sockets });
    }
  }

  timelines(): Record<string, Timeline> {
    this.lab.relay.flush();
    this.session?.drain();
    const kernel = this.endpoints.filter((e) => !this.peers.has(e.name));
    const wire = () => inferTimelines({ endpoints: this.endpoints, segments: wireSegments(this.lab.relay.packets, Infinity), actions: this.actions() });
    let fused: Record<string, Timeline>;
    if (this.session) {
      const deliveries: Record<string, Micros[]> = {};
      for (const p of this.lab.relay.packets) {
        if (p.delivered !== undefined) (deliveries[p.to] ??= []).push(p.delivered);
      }
      fused = fuse({ endpoints: kernel, trace: this.trace, snapshots: this.snapshots, deliveries });
      if (this.peers.size) {
        const inferred = wire();
        for (const p of this.peers) fused[p] = inferred[p] ?? [];
      }
    } else {
      const inferred = wire();
      fused = fuseWithoutTracepoint({ endpoints: kernel, wire: inferred, snapshots: this.snapshots });
      for (const p of this.peers) fused[p] = inferred[p] ?? [];
    }
    // An endpoint that never had a socket stayed in CLOSED all along: say so
    // rather than show nothing (e.g. a server that never listens).
    for (const e of this.endpoints) {
      if (!fused[e.name]?.length) fused[e.name] = [{ state: 'CLOSED', t: this.lab.startedAt, sources: [], notes: ['no-socket'] }];
    }
    return fused;
  }

  close(): void {
    for (const u of this.unsubscribe) u();
    this.notify();
  }
}
