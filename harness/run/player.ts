import type { Lab } from '../lab/lab.js';
import { matchesPattern, type FaultRule } from '../lab/faults.js';
import { monoNow } from '../lab/clock.js';
import type { State } from '../model/states.js';
import type { AppAction, AppOp } from '../model/wire.js';
import type { Peer } from '../peer/peer.js';
import type { Action, SegmentMatch, Step } from '../spec/types.js';
import { ControlError, type Reply } from '../target/control.js';
import type { ResolvedTarget } from '../target/definition.js';
import type { TargetProcess } from '../target/process.js';
import type { ExecuteContext } from './executor.js';
import type { Observations } from './observations.js';
import { AwaitTimeout, SS_NEEDED, SS_RESAMPLE_MS, SpecError, waited, type Timing } from './waits.js';

/**
 * Plays a spec's steps: actions through each endpoint's control channel (or
 * its peer), wire rules and releases through the relay, awaits against the
 * observations.
 */

export interface Endpoint {
  name: string;
  role: 'client' | 'server';
  target: ResolvedTarget;
  process?: TargetProcess;
  /** When its program was ready (for an undriven server: when it was seen listening). */
  readyAt?: number;
  listener?: number;
  conn?: number;
  /** The endpoint's actions run one after another; the next waits for this. */
  chain: Promise<unknown>;
}

export class StepPlayer {
  /** Per endpoint: index into its timeline at the last await that was satisfied. */
  private readonly cursor = new Map<string, number>();
  /** The application calls made, timed when made: wire inference needs them. */
  readonly actions: AppAction[] = [];

  constructor(
    private readonly lab: Lab,
    private readonly endpoints: Map<string, Endpoint>,
    private readonly obs: Observations,
    private readonly ctx: ExecuteContext,
    private readonly peers: Map<string, Peer>,
    private readonly timing?: Timing,
    /** Starts an endpoint's program during the steps (an undriven client, at its connect). */
    private readonly startLate?: (ep: Endpoint) => Promise<void>,
  ) {}

  async play(step: Step): Promise<void> {
    // Every segment sent before this step goes through the rules in force before it.
    this.lab.relay.flush();
    switch (step.kind) {
      case 'await':
        return this.awaitStates(step.states, step.segment, step.withinMs ?? this.ctx.timeouts.awaitMs, step.pos.line);
      case 'wire':
        return this.lab.relay.startRule(step.rule);
      case 'release':
        return this.lab.relay.release(step.rule);
      case 'inject': {
        const to = [...this.endpoints.keys()].find((n) => n !== step.from)!;
        const payload = step.bytes ? new Uint8Array(step.bytes).fill(0x78) : undefined;
        try {
          return this.lab.relay.inject({ from: step.from, to, flags: step.flags, ...(step.seqOffset !== undefined ? { seqOffset: step.seqOffset } : {}), ...(payload ? { payload } : {}) });
        } catch (err) {
          throw new SpecError(`inject at line ${step.pos.line}: ${(err as Error).message}`);
        }
      }
      case 'action': {
        const ep = this.endpoints.get(step.endpoint)!;
        const prior = ep.chain;
        const run = prior.then(() => this.act(ep, step.action));
        ep.chain = run;
        // accept and recv finish when the peer acts: the next step goes on at
        // once, and the endpoint's own next action waits for them (a wait on the stacks).
        if (step.action.op !== 'accept' && step.action.op !== 'recv') {
          await waited(this.timing, prior.catch(() => {}));
          await run;
        }
        else run.catch(() => {});
      }
    }
  }

  /** Waits for every action still in flight (accept, recv). */
  async finish(): Promise<void> {
    await Promise.all([...this.endpoints.values()].map((ep) => ep.chain));
  }

  /** A target that died or broke its control channel ends the spec as an error at once, not at a timeout. */
  throwIfTargetFailed(): void {
    for (const ep of this.endpoints.values()) {
      const failure = ep.process?.failure;
      if (failure) throw failure;
    }
  }

  private deliveredMatching(segment: SegmentMatch): number {
    const rule: FaultRule = { action: 'hold', name: 'await', match: segment };
    let n = 0;
    for (const p of this.lab.relay.packets) {
      if (p.delivered === undefined) continue;
      const seg = p.seg;
      if (seg && matchesPattern(rule, p.from, seg)) n++;
    }
    return n;
  }

  private async act(ep: Endpoint, action: Action): Promise<void> {
    const request = (op: string, fields: Record<string, unknown>): Promise<Reply> =>
      ep.process!.control.request(op, fields, this.ctx.timeouts.replyMs).catch((err: Error) => {
        throw new ControlError(`${ep.name}: ${err.message}`);
      });
    const conn = (): number => {
      if (ep.conn === undefined) throw new SpecError(`${ep.name}: ${action.op} needs a connection, and there is none yet`);
      return ep.conn;
    };
    const me = this.lab.endpoint(ep.name);
    const op = appOp(action);
    if (ep.target.control === 'none') {
      // A server that cannot be driven listened before it was ready and
      // accepts by itself; a client that cannot be driven is started here
      // and connects by itself. The applicability check lets no other step here.
      if (action.op === 'listen') this.actions.push({ t: ep.readyAt ?? monoNow(), endpoint: ep.name, op: 'listen' });
      if (action.op === 'listen' || action.op === 'accept') return;
      if (action.op === 'connect' && ep.role === 'client' && this.startLate) {
        this.actions.push({ t: monoNow(), endpoint: ep.name, op: 'connect' });
        return this.startLate(ep);
      }
      throw new SpecError(`${ep.name}: ${action.op} needs a target that can be driven, and ${ep.target.id} cannot be`);
    }
    if (op) this.actions.push({ t: monoNow(), endpoint: ep.name, op });
    const peer = this.peers.get(ep.name);
    switch (action.op) {
      case 'send-segment':
        return peer!.send(action.segment);
      case 'expect-segment':
        return waited(this.timing, peer!.expect(action.segment, action.withinMs ?? this.ctx.timeouts.awaitMs));
      case 'quiet':
        return waited(this.timing, peer!.quiet(action.ms, action.segments ?? 0, action.withinMs ?? 0));
      case 'listen':
        ep.listener = handle(await request('listen', { addr: me.addr, port: this.lab.port, backlog: 16 }));
        return;
      case 'connect': {
        const peer = [...this.endpoints.values()].find((e) => e !== ep);
        if (!peer) throw new SpecError(`${ep.name}: connect needs another endpoint`);
        // The reply comes at once (wait: false) so that a spec can act while
        // the handshake is held up on the wire. Two clients connecting to each
        // other from the same port is a simultaneous open.
        const simultaneous = peer.role === 'client' ? { bind_addr: me.addr, bind_port: this.lab.port } : {};
        ep.conn = handle(await request('connect', { addr: this.lab.endpoint(peer.name).addr, port: this.lab.port, wait: false, ...simultaneous }));
        return;
      }
      case 'accept':
        ep.conn = handle(await request('accept', ep.listener === undefined ? {} : { conn: ep.listener }));
        return;
      case 'send':
        await request('send', { conn: conn(), ...(action.data !== undefined ? { data: action.data } : { bytes: action.bytes }) });
        return;
      case 'recv':
        await request('recv', {
          conn: conn(),
          ...(action.untilEof ? { until: 'eof' } : {}),
          ...(action.bytes !== undefined ? { bytes: action.bytes } : {}),
        });
        return;
      case 'shutdown':
        await request('shutdown', { conn: conn(), how: action.how });
        return;
      case 'close':
        await request('close', { conn: conn() });
        return;
      case 'close-listener':
        if (ep.listener === undefined) throw new SpecError(`${ep.name}: close-listener before listen`);
        await request('close', { conn: ep.listener });
        return;
      case 'abort':
        await request('abort', { conn: conn() });
        return;
    }
  }

  private async awaitStates(states: Record<string, State>, segment: SegmentMatch | undefined, withinMs: number, line: number): Promise<void> {
    const deadline = Date.now() + withinMs;
    let pending = Object.entries(states);
    for (;;) {
      this.throwIfTargetFailed();
      // States that only sock_diag can confirm are judged on a snapshot taken
      // now: a tracepoint CLOSE alone may still turn out to be a hand-over
      // to a timewait socket.
      const needSs = pending.filter(([, s]) => SS_NEEDED.has(s)).map(([n]) => n);
      if (needSs.length) this.obs.snapshot(needSs);
      const delivered = segment ? this.deliveredMatching(segment) : 0;
      const segmentMissing = segment !== undefined && delivered < (segment.nth ?? 1);
      const timelines = this.obs.timelines();
      pending = Object.entries(states).filter(([n, s]) => {
        const tl = timelines[n] ?? [];
        // From the last state awaited (inclusive), past the leading CLOSED.
        const at = tl.findIndex((o, i) => i >= (this.cursor.get(n) ?? 1) && o.state === s);
        if (at < 0) return true;
        this.cursor.set(n, at);
        return false;
      });
      if (pending.length === 0 && !segmentMissing) {
        // A userspace stack takes frames in on its own time, after the relay wrote them:
        // the next step must not run ahead of the stack (a kernel has processed them already).
        await waited(this.timing, this.obs.syncUserspace());
        return;
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        const now = pending.map(([n, s]) => `${n} never reached ${s} (now ${(timelines[n] ?? []).at(-1)?.state ?? 'unobserved'})`);
        if (segmentMissing) now.push(`${delivered} matching segment(s) from ${segment.from} delivered, waited for ${segment.nth ?? 1}`);
        throw new AwaitTimeout(`await at line ${line} timed out after ${withinMs} ms: ${now.join('; ')}`, pending);
      }
      // The next packet or trace event, or a resample for timer-driven changes.
      await waited(this.timing, this.obs.changed(needSs.length ? Math.min(left, SS_RESAMPLE_MS) : left));
    }
  }
}

/** The calls that change a connection's state without a segment arriving, as wire inference names them. */
function appOp(action: Action): AppOp | undefined {
  switch (action.op) {
    case 'listen':
    case 'connect':
    case 'close':
    case 'abort':
    case 'close-listener':
      return action.op;
    case 'shutdown':
      return action.how === 'read' ? undefined : 'shutdown-write';
    default:
      return undefined;
  }
}

function handle(reply: Reply): number {
  if (typeof reply.conn !== 'number') throw new ControlError(`reply without a connection handle: ${JSON.stringify(reply)}`);
  return reply.conn;
}
