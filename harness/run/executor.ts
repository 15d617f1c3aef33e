import fs from 'node:fs';
import { monoNow } from '../lab/clock.js';
import { targetDirPrefix } from '../lab/names.js';
import { Lab } from '../lab/lab.js';
import type { WirePacket } from '../lab/relay.js';
import type { State } from '../model/states.js';
import type { TraceSession } from '../observe/tracefs.js';
import type { EndpointContext, Timeline } from '../observe/types.js';
import { Peer, PeerMismatch } from '../peer/peer.js';
import type { Spec } from '../spec/types.js';
import type { Reactor } from '../sys/reactor.js';
import type { ResolvedTarget } from '../target/definition.js';
import { deviationsFor } from '../target/deviations.js';
import { TargetError, TargetProcess } from '../target/process.js';
import { Observations } from './observations.js';
import { StepPlayer, type Endpoint } from './player.js';
import { measureTimers, type TimerCheck } from './timers.js';
import { matchTimeline } from './verdict.js';
import { AwaitTimeout, settle, SpecError, waited, type Timing } from './waits.js';
import { awaitNeedsTracepoint, needsTracepoint } from './tracepoint-only.js';
import { compareWithWire } from './wire-check.js';
import { LabPlugins } from './lab-plugins.js';
import type { CustomFaultRule, Observer } from './plugins.js';

export type { Timing } from './waits.js';
export type { TimerCheck } from './timers.js';

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
  /** Absent without root: kernel endpoints are then judged through the wire and sock_diag. */
  trace?: TraceSession;
  /** The target that fills each endpoint. */
  targets: Record<string, ResolvedTarget>;
  timeouts: Timeouts;
  /** short: protocol timers shortened in the lab (see SHORT_TIMERS); real: the kernel's defaults. */
  timers: 'short' | 'real';
  family: 4 | 6;
  signal: AbortSignal;
  /** Given the lab's teardown instead of waiting for it; whoever takes it must await it. */
  deferTeardown?: (teardown: Promise<void>) => void;
  /** Wire rules given as functions (library API), started after the spec's own. */
  faults?: CustomFaultRule[];
  /** Observers given through the library API. */
  observers?: Observer[];
  /** Problems of those plug-ins: they never change a verdict. */
  warn?: (line: string) => void;
  /**
   * Waited for before the lab is made; the function it gives is called once
   * the targets have started. Lets a suite bound how many specs set up at
   * once, the part of a spec that needs the CPU rather than TCP timers.
   */
  admit?: () => Promise<() => void>;
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

export interface Outcome {
  verdict: 'pass' | 'fail' | 'deviation' | 'error' | 'skipped' | 'not-applicable';
  reason?: string;
  endpoints: Record<string, EndpointOutcome>;
  packets: WirePacket[];
  labStart: number;
  stderr?: Record<string, string>;
  /** Where wire inference and the kernel observers disagree, each with its documented reason if it has one. */
  disagreements?: string[];
  /** Where the spec's wall time went (filled in once the lab is gone). */
  timing?: Timing;
  /** Lines the library API's observers added. */
  notes?: string[];
}

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
  // Releasing twice is harmless: Admission hands out a settled promise's resolve, or a no-op.
  const release = (await ctx.admit?.()) ?? ((): void => {});
  // Time spent waiting to be admitted is no phase of the spec's own.
  mark = performance.now();
  const lab = await Lab.create({
    run: ctx.run,
    index: ctx.index,
    endpoints: [names[0]!, names[1]!],
    reactor: ctx.reactor,
    family: ctx.family,
    peers: names.filter((n) => spec.endpoints[n]!.peer),
    userspace: names.filter((n) => !spec.endpoints[n]!.peer && ctx.targets[n]?.stack === 'userspace'),
    ...(ctx.timers === 'short' ? { rtoMinMs: SHORT_MODE_RTO_MIN_MS } : {}),
    sysctls: { ...(ctx.timers === 'short' ? SHORT_TIMERS : {}), ...spec.sysctls },
  }).catch((err: unknown) => {
    release();
    throw err;
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
  // A userspace stack's endpoint is judged from the wire, like a peer, and from its program's self-report.
  const userspace = new Map(
    names.filter((n) => lab.endpoint(n).tap).map((n) => [n, () => endpoints.get(n)!.process?.control] as const),
  );
  const obs = new Observations(lab, ctx.trace, contexts, peerNames, () => player?.actions ?? [], userspace);
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
    if (plugins.notes.length) result.notes = plugins.notes;
    // Without the tracepoint the wire is the judge itself: nothing to compare.
    const disagreements = !ctx.trace ? [] : compareWithWire({
      packets: lab.relay.packets,
      actions: player?.actions ?? [],
      endpoints: contexts,
      kernel: timelines,
      until: monoNow(),
      origin: lab.startedAt,
      peers: new Set([...peerNames, ...userspace.keys()]),
    });
    for (const [n, notes] of obs.selfReportNotes) {
      for (const note of notes) disagreements.push(`${n}: at ${((note.t - lab.startedAt) / 1000).toFixed(1)} ms ${note.text}`);
    }
    for (const [n, reports] of obs.unreported) {
      for (const r of reports) disagreements.push(`${n}: self-report ${r.from} -> ${r.to} (${r.local}${r.peer ? ` to ${r.peer}` : ''}) at ${((r.t - lab.startedAt) / 1000).toFixed(1)} ms, not on the wire`);
    }
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
    // One reason once, also when the same target fills both endpoints.
    const documented = [
      ...new Set(
        [...endpoints.values()].flatMap((ep) =>
          deviationsFor(ep.target.deviations, spec.id).map((d) => `${ep.target.id}: ${d.reason.trim()}`),
        ),
      ),
    ];
    if (o.verdict !== 'fail' || documented.length === 0) return o;
    return { ...o, verdict: 'deviation', reason: `${documented.join('; ')} (observed: ${o.reason ?? ''})` };
  };

  /** `skipped` when every endpoint in question has a reason only the tracepoint could judge (peers have none). */
  const skippedIfAll = (why: (string | undefined)[]): Outcome | undefined =>
    why.every((w) => w !== undefined) ? outcome('skipped', `needs the kernel tracepoint (root): ${why.join('; ')}`) : undefined;

  const plugins = new LabPlugins(spec, ctx, lab, contexts);
  timing.labMs = lap();
  try {
    await plugins.begin();
    const startProcess = async (ep: Endpoint): Promise<void> => {
      const me = lab.endpoint(ep.name);
      const other = names.find((n) => n !== ep.name)!;
      const undrivenClient = ep.target.control === 'none' && ep.role === 'client';
      const tmp = ep.target.files ? fs.mkdtempSync(targetDirPrefix(ctx.run, ep.name)) : undefined;
      const values = { addr: me.addr, port: lab.port, peer: lab.endpoint(other).addr, ...(tmp ? { tmp } : {}), ...(me.tap ? { tap: me.tap } : {}) };
      ep.process = await TargetProcess.start({
        ns: me.ns,
        argv: ep.target.argv(ep.role, values),
        label: `${ep.name} (${ep.target.id} ${ep.role})`,
        readyTimeoutMs: ctx.timeouts.readyMs,
        run: ctx.run,
        // An undriven client is started at its connect step and connects by itself: started is ready.
        ...(undrivenClient ? { ready: { kind: 'started' as const }, endsByItself: true } : ep.target.ready ? { ready: ep.target.ready } : {}),
        driven: ep.target.control !== 'none',
        listening: () => (me.diag?.sockets() ?? []).some((s) => s.state === 'LISTEN' && s.local.port === lab.port),
        listenAt: `${me.addr.includes(':') ? `[${me.addr}]` : me.addr}:${lab.port}`,
        ...(tmp ? { dir: { path: tmp, files: ep.target.files!(ep.role, values) } } : {}),
      });
      ep.readyAt = monoNow();
    };
    // allSettled: when one target fails to start, the others must have
    // finished starting (and be known) so that `finally` stops them all.
    const started = await Promise.allSettled(
      [...endpoints.values()]
        .filter((ep) => !peerNames.has(ep.name) && !(ep.target.control === 'none' && ep.role === 'client'))
        .map(startProcess),
    );
    for (const r of started) if (r.status === 'rejected') throw r.reason;
    timing.startMs = lap();
    release();
    for (const rule of spec.wire) lab.relay.startRule(rule);
    for (const rule of plugins.faultRules) lab.relay.startRule(rule);
    player = new StepPlayer(lab, endpoints, obs, ctx, peers, timing, startProcess);
    for (const step of spec.steps) {
      ctx.signal.throwIfAborted();
      await player.play(step);
    }
    await waited(timing, player.finish());
    await waited(timing, obs.syncUserspace());
    await settle(spec, obs, ctx.timeouts.settleMs, () => player!.throwIfTargetFailed(), timing);
    await waited(timing, obs.syncUserspace());
    timing.stepsMs = lap();
    await plugins.end();
    obs.snapshot();
    const timelines = obs.timelines();
    const failed = names.filter((n) => !matchTimeline(spec.expect[n] ?? [], timelines[n] ?? []).ok);
    if (failed.length && !ctx.trace) {
      const skipped = skippedIfAll(failed.map((n) => (peerNames.has(n) ? undefined : needsTracepoint(n, spec.expect[n] ?? [], timelines[n] ?? []))));
      if (skipped) return skipped;
    }
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
    await plugins.end();
    if (err instanceof AwaitTimeout && !ctx.trace && err.pending.length) {
      const timelines = obs.timelines();
      const skipped = skippedIfAll(err.pending.map(([n, state]) => (peerNames.has(n) ? undefined : awaitNeedsTracepoint(n, state, timelines[n] ?? []))));
      if (skipped) return skipped;
    }
    if (err instanceof AwaitTimeout || err instanceof PeerMismatch) return judged(outcome('fail', err.message));
    const stderr: Record<string, string> = {};
    for (const ep of endpoints.values()) {
      const tail = ep.process?.stderrTail() ?? (err instanceof TargetError && err.message.startsWith(ep.name) ? err.stderr : '');
      if (tail) stderr[ep.name] = tail;
    }
    return outcome('error', (err as Error).message, Object.keys(stderr).length ? stderr : undefined);
  } finally {
    // An early return or error leaves the phase it happened in unaccounted: give it to that phase.
    release();
    if (timing.startMs === 0) timing.startMs = lap();
    else if (timing.stepsMs === 0) timing.stepsMs = lap();
    obs.close();
    plugins.close();
    const teardown = (async () => {
      await Promise.all([...endpoints.values()].map((ep) => ep.process?.stop()));
      await lab.destroy();
    })();
    // The verdict does not depend on the teardown: a caller that can wait for
    // it later (the suite) lets the next spec start meanwhile.
    if (ctx.deferTeardown) ctx.deferTeardown(teardown);
    else {
      await teardown;
      timing.teardownMs = lap();
    }
  }
}
