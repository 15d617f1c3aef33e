import { Lab } from '../lab/lab.js';
import type { State } from '../model/states.js';
import type { TraceSession } from '../observe/tracefs.js';
import type { EndpointContext, SockDiagSnapshot, Timeline } from '../observe/types.js';
import { matchesPattern, type FaultRule } from '../lab/faults.js';
import { monoNow } from '../lab/clock.js';
import { Peer, PeerMismatch } from '../peer/peer.js';
import type { AppAction, AppOp } from '../model/wire.js';
import { decodePacket } from '../packet/tcp.js';
import { compareWithWire } from './wire-check.js';
import type { Action, SegmentMatch, Spec, Step } from '../spec/types.js';
import type { Reactor } from '../sys/reactor.js';
import { ControlError, type Reply } from '../target/control.js';
import type { ResolvedTarget } from '../target/definition.js';
import { TargetError, TargetProcess } from '../target/process.js';
import type { WirePacket } from '../lab/relay.js';
import { Observations } from './observations.js';
import { isPrefix, matchTimeline } from './verdict.js';

/**
 * Runs one spec in a lab of its own: start the targets, play the steps,
 * observe, and judge. Every resource is released in `finally`, whatever
 * happened.
 */

export interface Timeouts {
  readyMs: number;
  replyMs: number;
  awaitMs: number;
  /** How long, after the last step, the observation may take to complete the expectation. */
  settleMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = { readyMs: 5000, replyMs: 5000, awaitMs: 5000, settleMs: 3000 };

export interface ExecuteContext {
  run: string;
  index: number;
  reactor: Reactor;
  trace: TraceSession;
  /** The target that fills each endpoint. */
  targets: Record<string, ResolvedTarget>;
  timeouts: Timeouts;
  /** short: protocol timers shortened in the lab (see SHORT_TIMERS); real: the kernel's defaults. */
  timers: 'short' | 'real';
  family: 4 | 6;
  signal: AbortSignal;
}

/**
 * Timers changed inside lab namespaces in the default mode. None of them
 * changes which transitions happen, only how long a spec waits for them:
 * how long an orphaned FIN_WAIT_2 lives, and how often SYN and SYN-ACK are
 * retransmitted before the stack gives up.
 */
export const SHORT_TIMERS = {
  'net.ipv4.tcp_fin_timeout': 3,
  'net.ipv4.tcp_synack_retries': 1,
  'net.ipv4.tcp_syn_retries': 2,
};

/**
 * In the same mode the retransmission timeout is raised to at least 1 s
 * (route option rto_min; the kernel's floor is 200 ms). The relay can lag
 * behind the stacks by a good part of 200 ms on a loaded machine; a
 * retransmission that lag provokes sends a second ACK, the peer that has
 * meanwhile closed answers it with RST, and that RST ends the TIME_WAIT the
 * spec expects (close.rst-in-time-wait shows the mechanism on purpose).
 */
export const SHORT_MODE_RTO_MIN_MS = 1000;

export interface EndpointOutcome {
  target: string;
  role: 'client' | 'server';
  addr: string;
  expected: State[];
  observed: Timeline;
  diff: string[];
  timers?: TimerCheck[];
}

export interface TimerCheck {
  state: State;
  minMs: number;
  maxMs: number;
  measuredMs?: number;
}

export interface Outcome {
  verdict: 'pass' | 'fail' | 'deviation' | 'error';
  reason?: string;
  endpoints: Record<string, EndpointOutcome>;
  packets: WirePacket[];
  labStart: number;
  stderr?: Record<string, string>;
  /** Where wire inference and the kernel observers disagree, each with its documented reason if it has one. */
  disagreements?: string[];
  /** Where the spec's wall time went (filled in once the lab is gone). */
  timing?: Timing;
}

/**
 * Where a spec's wall time went, in milliseconds. `waitMs` is the part of
 * `stepsMs` spent blocked on the stacks: awaits, the settle after the last
 * step, a peer waiting for a segment, accept and recv waiting for the other
 * end. The rest is the harness's (and the target's control round trips).
 */
export interface Timing {
  labMs: number;
  startMs: number;
  stepsMs: number;
  waitMs: number;
  teardownMs: number;
}

/** Which states only sock_diag shows on Linux: awaiting them means polling ss. */
const SS_NEEDED: ReadonlySet<State> = new Set(['LISTEN', 'SYN_RCVD', 'TIME_WAIT', 'FIN_WAIT_2', 'CLOSED']);

/** What fills a peer endpoint: the harness itself, which starts no program. */
const PEER_TARGET: ResolvedTarget = {
  id: 'peer',
  title: 'the harness, segment by segment',
  file: '',
  roles: ['client', 'server'],
  argv: () => {
    throw new Error('a peer endpoint runs no program');
  },
};

/** Longest wait between two `ss` samples when nothing happens on the wire. */
const SS_RESAMPLE_MS = 50;

class SpecError extends Error {}

/** An awaited state never came: the endpoint behaved differently, a `fail`. */
class AwaitTimeout extends Error {}

interface Endpoint {
  name: string;
  role: 'client' | 'server';
  target: ResolvedTarget;
  process?: TargetProcess;
  listener?: number;
  conn?: number;
  /** The endpoint's actions run one after another; the next waits for this. */
  chain: Promise<unknown>;
}

export async function executeSpec(spec: Spec, ctx: ExecuteContext): Promise<Outcome> {
  const names = Object.keys(spec.endpoints);
  if (names.length !== 2) throw new SpecError(`a spec needs exactly two endpoints for now, ${spec.id} has ${names.length}`);
  const timing: Timing = { labMs: 0, startMs: 0, stepsMs: 0, waitMs: 0, teardownMs: 0 };
  let mark = performance.now();
  const lap = (): number => {
    const now = performance.now();
    const ms = now - mark;
    mark = now;
    return ms;
  };
  const lab = await Lab.create({
    run: ctx.run,
    index: ctx.index,
    endpoints: [names[0]!, names[1]!],
    reactor: ctx.reactor,
    family: ctx.family,
    peers: names.filter((n) => spec.endpoints[n]!.peer),
    ...(ctx.timers === 'short' ? { rtoMinMs: SHORT_MODE_RTO_MIN_MS } : {}),
    sysctls: { ...(ctx.timers === 'short' ? SHORT_TIMERS : {}), ...spec.sysctls },
  });
  const endpoints = new Map<string, Endpoint>(
    names.map((n) => [
      n,
      { name: n, role: spec.endpoints[n]!.role, target: spec.endpoints[n]!.peer ? PEER_TARGET : ctx.targets[n]!, chain: Promise.resolve() },
    ]),
  );
  const contexts: EndpointContext[] = names.map((n) => ({
    name: n,
    role: spec.endpoints[n]!.role,
    addr: lab.endpoint(n).addr,
    port: lab.port,
  }));
  let player: StepPlayer | undefined;
  const peerNames = new Set(names.filter((n) => spec.endpoints[n]!.peer));
  const obs = new Observations(lab, ctx.trace, contexts, peerNames, () => player?.actions ?? []);
  const peers = new Map<string, Peer>();
  for (const n of peerNames) {
    const other = names.find((x) => x !== n)!;
    const role = spec.endpoints[n]!.role;
    const peer = new Peer({
      name: n,
      other,
      addr: lab.endpoint(n).addr,
      otherAddr: lab.endpoint(other).addr,
      family: ctx.family,
      // A peer server listens on the lab's port; a peer client connects to it from another.
      port: role === 'server' ? lab.port : lab.port + 30000,
      ...(role === 'client' ? { otherPort: lab.port } : {}),
      send: (data) => lab.relay.sendFromPeer(n, data),
    });
    peers.set(n, peer);
    lab.relay.setPeerSink((p) => peer.receive(p));
  }
  const outcome = (verdict: Outcome['verdict'], reason?: string, stderr?: Record<string, string>): Outcome => {
    // A last look at the socket tables, also when a step failed half-way:
    // request and timewait sockets show nowhere else.
    obs.snapshot();
    const timelines = obs.timelines();
    const result: Outcome = { verdict, endpoints: {}, packets: lab.relay.packets, labStart: lab.startedAt, timing };
    if (reason !== undefined) result.reason = reason;
    if (stderr) result.stderr = stderr;
    const disagreements = compareWithWire({
      packets: lab.relay.packets,
      actions: player?.actions ?? [],
      endpoints: contexts,
      kernel: timelines,
      until: monoNow(),
      origin: lab.startedAt,
      peers: peerNames,
    });
    if (disagreements.length) result.disagreements = disagreements;
    for (const n of names) {
      const expected = spec.expect[n] ?? [];
      const observed = timelines[n] ?? [];
      const ep = endpoints.get(n)!;
      result.endpoints[n] = {
        target: ep.target.id,
        role: ep.role,
        addr: lab.endpoint(n).addr,
        expected,
        observed,
        diff: matchTimeline(expected, observed).lines,
      };
      const timers = measureTimers(spec, n, observed, obs.snapshots, lab.endpoint(n).addr);
      if (timers.length) result.endpoints[n]!.timers = timers;
    }
    return result;
  };

  /** A failure the target's file documents as a known deviation becomes `deviation`, with its reason. */
  const judged = (o: Outcome): Outcome => {
    const documented = [...endpoints.values()].flatMap((ep) =>
      (ep.target.deviations ?? []).filter((d) => d.specs.includes(spec.id)).map((d) => `${ep.target.id}: ${d.reason}`),
    );
    if (o.verdict !== 'fail' || documented.length === 0) return o;
    return { ...o, verdict: 'deviation', reason: `${documented.join('; ')} (observed: ${o.reason ?? ''})` };
  };

  timing.labMs = lap();
  try {
    // allSettled: when one target fails to start, the others must have
    // finished starting (and be known) so that `finally` stops them all.
    const started = await Promise.allSettled(
      [...endpoints.values()].filter((ep) => !peerNames.has(ep.name)).map(async (ep) => {
        ep.process = await TargetProcess.start({
          ns: lab.endpoint(ep.name).ns,
          argv: ep.target.argv(ep.role, { addr: lab.endpoint(ep.name).addr, port: lab.port }),
          label: `${ep.name} (${ep.target.id} ${ep.role})`,
          readyTimeoutMs: ctx.timeouts.readyMs,
          run: ctx.run,
        });
      }),
    );
    for (const r of started) if (r.status === 'rejected') throw r.reason;
    timing.startMs = lap();
    for (const rule of spec.wire) lab.relay.startRule(rule);
    player = new StepPlayer(lab, endpoints, obs, ctx, peers, timing);
    for (const step of spec.steps) {
      ctx.signal.throwIfAborted();
      await player.play(step);
    }
    await waited(timing, player.finish());
    await settle(spec, obs, ctx, () => player!.throwIfTargetFailed(), timing);
    timing.stepsMs = lap();
    obs.snapshot();
    const timelines = obs.timelines();
    const failed = names.filter((n) => !matchTimeline(spec.expect[n] ?? [], timelines[n] ?? []).ok);
    if (failed.length) return judged(outcome('fail', `observed states differ from expected for ${failed.join(', ')}`));
    const timerFaults = names.flatMap((n) =>
      measureTimers(spec, n, timelines[n] ?? [], obs.snapshots, lab.endpoint(n).addr)
        .filter((c) => c.measuredMs === undefined || c.measuredMs < c.minMs || c.measuredMs > c.maxMs)
        .map((c) => `${n}: ${c.state} timer ${c.measuredMs === undefined ? 'not seen' : `${c.measuredMs} ms`}, expected ${c.minMs}..${c.maxMs} ms`),
    );
    if (timerFaults.length) return judged(outcome('fail', timerFaults.join('; ')));
    return outcome('pass');
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    if (err instanceof AwaitTimeout || err instanceof PeerMismatch) return judged(outcome('fail', err.message));
    const stderr: Record<string, string> = {};
    for (const ep of endpoints.values()) {
      const tail = ep.process?.stderrTail() ?? (err instanceof TargetError && err.message.startsWith(ep.name) ? err.stderr : '');
      if (tail) stderr[ep.name] = tail;
    }
    return outcome('error', (err as Error).message, Object.keys(stderr).length ? stderr : undefined);
  } finally {
    // An early return or error leaves the phase it happened in unaccounted: give it to that phase.
    if (timing.startMs === 0) timing.startMs = lap();
    else if (timing.stepsMs === 0) timing.stepsMs = lap();
    obs.close();
    await Promise.all([...endpoints.values()].map((ep) => ep.process?.stop()));
    await lab.destroy();
    timing.teardownMs = lap();
  }
}

/** Awaits `p`, counting the time as a wait on the stacks. */
async function waited<T>(timing: Timing | undefined, p: Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await p;
  } finally {
    if (timing) timing.waitMs += performance.now() - t0;
  }
}

/**
 * The length of each timer the spec puts a range on: what sock_diag showed
 * left on the timewait socket's timer, plus the time already spent in the
 * state when it was read (the first reading is the most precise).
 */
function measureTimers(spec: Spec, endpoint: string, observed: Timeline, snapshots: readonly SockDiagSnapshot[], addr: string): TimerCheck[] {
  const out: TimerCheck[] = [];
  for (const [state, range] of Object.entries(spec.timers[endpoint] ?? {})) {
    const check: TimerCheck = { state: state as State, minMs: range.minMs, maxMs: range.maxMs };
    const entry = observed.find((o) => o.state === state);
    const ssName = state === 'TIME_WAIT' ? 'TIME-WAIT' : 'FIN-WAIT-2';
    if (entry) {
      for (const snap of snapshots) {
        if (snap.endpoint !== endpoint || snap.t < entry.t) continue;
        const sock = snap.sockets.find((s) => s.state === ssName && s.timer?.name === 'timewait' && s.local.addr === addr);
        if (!sock) continue;
        check.measuredMs = Math.round(sock.timer!.expiresMs + (snap.t - entry.t) / 1000);
        break;
      }
    }
    out.push(check);
  }
  return out;
}

/** Waits until every endpoint's observation completes its expectation, diverges from it, or time runs out. */
async function settle(spec: Spec, obs: Observations, ctx: ExecuteContext, checkTargets: () => void, timing?: Timing): Promise<void> {
  const deadline = Date.now() + ctx.timeouts.settleMs;
  for (;;) {
    checkTargets();
    const timelines = obs.timelines();
    const pending = Object.keys(spec.expect).filter((n) => {
      const expected = spec.expect[n]!;
      const observed = timelines[n] ?? [];
      return !matchTimeline(expected, observed).ok && isPrefix(expected, observed);
    });
    if (pending.length === 0 || Date.now() >= deadline) return;
    const needSs = pending.filter((n) => {
      const next = spec.expect[n]![relevantLength(spec.expect[n]!, timelines[n] ?? [])];
      return next !== undefined && SS_NEEDED.has(next);
    });
    await waited(timing, gatherEvidence(obs, needSs, deadline));
  }
}

/**
 * Waits for the next evidence. States only sock_diag shows are sampled with
 * `ss` and then again at the next packet or trace event; the bounded wait
 * covers the few transitions that neither send nor receive a segment
 * (timer expiries).
 */
async function gatherEvidence(obs: Observations, needSs: string[], deadline: number): Promise<void> {
  const left = Math.max(1, deadline - Date.now());
  if (needSs.length === 0) return obs.changed(left);
  obs.snapshot(needSs);
  await obs.changed(Math.min(left, SS_RESAMPLE_MS));
}

function relevantLength(expected: readonly State[], observed: Timeline): number {
  const named = new Set(expected);
  return observed.filter((o) => !o.transient || named.has(o.state)).length;
}

class StepPlayer {
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
      const seg = decodePacket(p.data);
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
    if (op) this.actions.push({ t: monoNow(), endpoint: ep.name, op });
    const peer = this.peers.get(ep.name);
    switch (action.op) {
      case 'send-segment':
        return peer!.send(action.segment);
      case 'expect-segment':
        return waited(this.timing, peer!.expect(action.segment, action.withinMs ?? this.ctx.timeouts.awaitMs));
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
        await request('send', { conn: conn(), bytes: action.bytes });
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
      if (pending.length === 0 && !segmentMissing) return;
      const left = deadline - Date.now();
      if (left <= 0) {
        const now = pending.map(([n, s]) => `${n} never reached ${s} (now ${(timelines[n] ?? []).at(-1)?.state ?? 'unobserved'})`);
        if (segmentMissing) now.push(`${delivered} matching segment(s) from ${segment.from} delivered, waited for ${segment.nth ?? 1}`);
        throw new AwaitTimeout(`await at line ${line} timed out after ${withinMs} ms: ${now.join('; ')}`);
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
