import type { Lab } from '../lab/lab.js';
import { fuse } from '../observe/fusion.js';
import { fuseWithoutTracepoint } from '../observe/wire-fusion.js';
import { monoNow } from '../lab/clock.js';
import { inferTimelines, type AppAction } from '../model/wire.js';
import { wireSegments } from './wire-check.js';
import type { TraceSession } from '../observe/tracefs.js';
import type { ControlChannel } from '../target/control.js';
import type { EndpointContext, Micros, SockDiagSnapshot, Timeline, TraceEvent } from '../observe/types.js';
import { corroborate, selfReports, type SelfReport } from '../observe/self-report.js';

/** How long the harness waits for a userspace stack to take in the frames written to it. */
const SYNC_LIMIT_MS = 1000;

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
    /**
     * Endpoints whose program brings its own TCP stack: no kernel observer
     * sees them, their states come from the wire, corroborated by the
     * program's self-report (its `state` events).
     */
    private readonly userspace: ReadonlyMap<string, () => ControlChannel | undefined> = new Map(),
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
      // A program's self-report wakes nobody: look again soon when there is one to read.
      const timer = setTimeout(done, this.userspace.size ? Math.min(ms, 20) : ms);
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
    const kernel = this.endpoints.filter((e) => !this.peers.has(e.name) && !this.userspace.has(e.name));
    let inferred: Record<string, Timeline> | undefined;
    const wire = () => (inferred ??= inferTimelines({ endpoints: this.endpoints, segments: wireSegments(this.lab.relay.packets, Infinity), actions: this.actions() }));
    let fused: Record<string, Timeline>;
    if (this.session) {
      const deliveries: Record<string, Micros[]> = {};
      for (const p of this.lab.relay.packets) {
        if (p.delivered !== undefined) (deliveries[p.to] ??= []).push(p.delivered);
      }
      fused = fuse({ endpoints: kernel, trace: this.trace, snapshots: this.snapshots, deliveries });
    } else {
      fused = fuseWithoutTracepoint({ endpoints: kernel, wire: wire(), snapshots: this.snapshots });
    }
    for (const p of this.peers) fused[p] = wire()[p] ?? [];
    this.unreported.clear();
    this.selfReportNotes.clear();
    for (const [u, control] of this.userspace) {
      const { timeline, unmatched, notes } = corroborate(wire()[u] ?? [], selfReports(control()?.events ?? []), this.caughtUp.get(u) ?? -Infinity);
      fused[u] = timeline;
      if (unmatched.length) this.unreported.set(u, unmatched);
      if (notes.length) this.selfReportNotes.set(u, notes);
    }
    // An endpoint that never had a socket stayed in CLOSED all along: say so
    // rather than show nothing (e.g. a server that never listens).
    for (const e of this.endpoints) {
      if (!fused[e.name]?.length) fused[e.name] = [{ state: 'CLOSED', t: this.lab.startedAt, sources: [], notes: ['no-socket'] }];
    }
    return fused;
  }

  /** Per userspace endpoint: what its program reported that the wire does not show (after the last `timelines()`). */
  readonly unreported = new Map<string, SelfReport[]>();
  /** Per userspace endpoint: where its timeline and the wire's differ, and why (after the last `timelines()`). */
  readonly selfReportNotes = new Map<string, { t: Micros; text: string }[]>();

  /** Per userspace endpoint: a time before which its program had taken in every frame delivered to it (its self-report is complete up to there). */
  private readonly caughtUp = new Map<string, Micros>();

  /**
   * Waits (at most SYNC_LIMIT_MS) until each userspace endpoint's program
   * has taken in every frame the relay wrote to it, asking with `sync`:
   * its reply follows every state event those frames caused. A kernel
   * processes a packet inside the relay's write; a userspace stack reads it
   * later, on a thread of its own, so without this an await could be
   * satisfied by what the wire implies before the stack has seen it, and
   * the program's silence could not be believed. A program without `sync`
   * is judged by the wire alone.
   */
  async syncUserspace(): Promise<void> {
    for (const [u, control] of this.userspace) {
      const channel = control();
      if (!channel || channel.failed || this.noSync.has(u)) continue;
      const end = Date.now() + SYNC_LIMIT_MS;
      for (;;) {
        this.lab.relay.flush();
        const written = this.lab.relay.framesWritten.get(u) ?? 0;
        const asked = monoNow();
        let frames: unknown;
        try {
          frames = (await channel.request('sync', {}, SYNC_LIMIT_MS)).frames;
        } catch {
          this.noSync.add(u);
          break;
        }
        if (typeof frames === 'number' && frames >= written) {
          this.caughtUp.set(u, asked);
          break;
        }
        if (Date.now() > end) break;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    }
  }

  private readonly noSync = new Set<string>();

  close(): void {
    for (const u of this.unsubscribe) u();
    this.notify();
  }
}
