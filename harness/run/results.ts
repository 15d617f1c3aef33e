import { FormatRegistry, Type, type Static } from '@sinclair/typebox';
import { STATES } from '../model/states.js';

/**
 * The shape of `results.json`: one TypeBox source gives the TypeScript types
 * and the published JSON Schema (`schemas/results.schema.json`).
 */

// TypeBox checks only registered string formats; results carry ISO 8601 times.
if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (v) => !Number.isNaN(Date.parse(v)) && /^\d{4}-\d\d-\d\dT/.test(v));

export const StateName = Type.Union(
  STATES.map((s) => Type.Literal(s)),
  { description: 'An RFC 9293 connection state' },
);

export const ObserverNameSchema = Type.Union(
  [Type.Literal('tracepoint'), Type.Literal('sock_diag'), Type.Literal('wire'), Type.Literal('self-report')],
  { description: 'An observer of endpoint states' },
);

export const ObservedStateSchema = Type.Object(
  {
    state: StateName,
    tMs: Type.Number({ description: 'Milliseconds since the lab started when the state was entered' }),
    sources: Type.Array(ObserverNameSchema, { description: 'Observers that saw this state' }),
    transient: Type.Optional(
      Type.Boolean({ description: 'Entered and left while the stack processed one segment' }),
    ),
    notes: Type.Optional(Type.Array(Type.String(), { description: 'Normalizations applied (see docs/observers.md)' })),
  },
  { additionalProperties: false },
);

export const EndpointResultSchema = Type.Object(
  {
    target: Type.String({ description: 'Target that filled this endpoint' }),
    role: Type.Union([Type.Literal('client'), Type.Literal('server')]),
    addr: Type.String(),
    expected: Type.Array(StateName),
    observed: Type.Array(ObservedStateSchema),
    timers: Type.Optional(
      Type.Array(
        Type.Object(
          {
            state: StateName,
            minMs: Type.Number(),
            maxMs: Type.Number(),
            measuredMs: Type.Optional(Type.Number({ description: 'Timer length: what sock_diag showed left, plus the time already spent in the state' })),
          },
          { additionalProperties: false },
        ),
        { description: 'Timer expectations of the spec for this endpoint, with what was measured' },
      ),
    ),
  },
  { additionalProperties: false },
);

export const Verdict = Type.Union(
  [
    Type.Literal('pass'),
    Type.Literal('fail'),
    Type.Literal('deviation'),
    Type.Literal('not-applicable'),
    Type.Literal('skipped'),
    Type.Literal('error'),
  ],
  { description: 'pass, fail, deviation, not-applicable, skipped or error (see docs/results.md)' },
);

export const SegmentSchema = Type.Object(
  {
    tMs: Type.Number(),
    from: Type.String({ description: 'Sending endpoint' }),
    to: Type.String({ description: 'Receiving endpoint' }),
    flags: Type.String({ description: 'TCP flags, e.g. SYN+ACK' }),
    seq: Type.Number({ description: 'Sequence number relative to the sender\'s ISN' }),
    ack: Type.Number({ description: 'Acknowledgment number relative to the receiver\'s ISN (0 without ACK)' }),
    len: Type.Number({ description: 'Payload length in bytes' }),
    fault: Type.Optional(
      Type.Union(
        [
          Type.Literal('dropped'),
          Type.Literal('held'),
          Type.Literal('delayed'),
          Type.Literal('duplicated'),
          Type.Literal('reordered'),
          Type.Literal('injected'),
        ],
        { description: 'What the relay did with this segment under a wire rule; absent when it passed untouched' },
      ),
    ),
    rule: Type.Optional(Type.String({ description: 'The wire rule that applied' })),
    releasedMs: Type.Optional(
      Type.Number({ description: 'For held, delayed or reordered segments: when the relay delivered it' }),
    ),
  },
  { additionalProperties: false },
);

export const SpecResultSchema = Type.Object(
  {
    spec: Type.String({ description: 'Spec id' }),
    title: Type.String(),
    file: Type.String({ description: 'Spec file, relative to the working directory' }),
    ip: Type.Union([Type.Literal(4), Type.Literal(6)], { description: 'IP version the spec ran over' }),
    target: Type.Optional(Type.String({ description: 'The target under test in this result (a run against several targets has one result per spec and target)' })),
    verdict: Verdict,
    reason: Type.Optional(Type.String({ description: 'Why: the diff summary, the error, the skip reason' })),
    diff: Type.Optional(Type.String({ description: 'Expected vs observed, as printed on the console' })),
    durationMs: Type.Number(),
    endpoints: Type.Record(Type.String(), EndpointResultSchema),
    segments: Type.Array(SegmentSchema, { description: 'Every TCP segment the relay carried, in order' }),
    pcap: Type.Optional(Type.String({ description: 'pcap file of this spec, relative to the run folder' })),
    disagreements: Type.Optional(
      Type.Array(Type.String(), {
        description: 'Where the wire-inferred and the kernel-observed timelines of an endpoint differ, and why',
      }),
    ),
    stderr: Type.Optional(
      Type.Record(Type.String(), Type.String(), { description: 'Tail of each target process\'s stderr, on error' }),
    ),
    notes: Type.Optional(
      Type.Array(Type.String(), { description: 'Lines added by observers given through the library API, each prefixed with the observer\'s name' }),
    ),
    timing: Type.Optional(
      Type.Object(
        {
          labMs: Type.Number({ description: 'Creating the lab: namespaces, TUN devices, addresses, routes, sysctls' }),
          startMs: Type.Number({ description: 'Starting the target programs until each said ready' }),
          stepsMs: Type.Number({ description: 'Playing the steps and settling, waits included' }),
          waitMs: Type.Number({ description: 'Part of stepsMs spent blocked on the stacks: awaits, settle, accept and recv' }),
          teardownMs: Type.Number({ description: 'Stopping the targets and removing the lab' }),
        },
        { additionalProperties: false, description: 'Where the wall time of the spec went, in milliseconds' },
      ),
    ),
  },
  { additionalProperties: false },
);

export const MatrixSchema = Type.Object(
  {
    targets: Type.Array(Type.String(), { description: 'The targets under test, in the order given' }),
    rows: Type.Array(
      Type.Object(
        {
          spec: Type.String(),
          ip: Type.Union([Type.Literal(4), Type.Literal(6)]),
          cells: Type.Record(
            Type.String(),
            Type.Object(
              {
                verdict: Verdict,
                reason: Type.Optional(Type.String({ description: 'Why, for every verdict but pass: the deviation\'s reason, what is not applicable, the error' })),
              },
              { additionalProperties: false },
            ),
            { description: 'By target id' },
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false, description: 'Targets by specs: the verdict of every spec against every target of the run' },
);

export const RunResultSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    tool: Type.Object({ name: Type.Literal('tcpconform'), version: Type.String() }),
    run: Type.String({ description: 'Run id' }),
    startedAt: Type.String({ format: 'date-time' }),
    durationMs: Type.Number(),
    environment: Type.Object({
      kernel: Type.String(),
      node: Type.String(),
      timers: Type.Union([Type.Literal('short'), Type.Literal('real')]),
      ip: Type.Array(Type.Union([Type.Literal(4), Type.Literal(6)]), { description: 'IP versions every spec ran over' }),
      jobs: Type.Number(),
      observers: Type.Optional(
        Type.Array(ObserverNameSchema, {
          description: 'Observers the run had: without root the kernel tracepoint is missing (docs/observers.md, "Without root")',
        }),
      ),
    }),
    totals: Type.Record(Type.String(), Type.Number(), { description: 'Count of each verdict' }),
    coverage: Type.Optional(
      Type.Object(
        {
          states: Type.Record(Type.String(), Type.Array(Type.String()), {
            description: 'Each RFC 9293 state, with the ids of the passing specs in which an endpoint was observed in it',
          }),
          transitions: Type.Record(Type.String(), Type.Array(Type.String()), {
            description: 'Each RFC 9293 transition (FROM->TO), with the ids of the passing specs that observed it',
          }),
          unreachable: Type.Record(Type.String(), Type.String(), {
            description: 'Transitions the sockets API cannot produce, with the reason (not counted as missed)',
          }),
        },
        { additionalProperties: false },
      ),
    ),
    matrix: Type.Optional(MatrixSchema),
    results: Type.Array(SpecResultSchema),
  },
  { additionalProperties: false },
);

export type ObservedStateResult = Static<typeof ObservedStateSchema>;
export type EndpointResult = Static<typeof EndpointResultSchema>;
export type VerdictName = Static<typeof Verdict>;
export type SegmentResult = Static<typeof SegmentSchema>;
export type SpecResult = Static<typeof SpecResultSchema>;
export type RunResult = Static<typeof RunResultSchema>;
