import { Type, type Static, type TLiteral, type TUnion } from '@sinclair/typebox';
import { STATES } from '../model/states.js';
import { BEHAVIOUR_NAMES, BEHAVIOURS } from './capabilities.js';

/**
 * The spec file format as TypeBox: one source for the published JSON Schema
 * (`schemas/spec.schema.json`, used by editors through a
 * `# yaml-language-server: $schema=...` line) and for the constants the loader
 * checks against. The loader walks the YAML node tree itself, to give each
 * problem its own code and position, and then checks the result against this
 * schema as a safety net, so the two cannot silently disagree.
 *
 * Room to grow: new top-level keys (`wire`, `capabilities`), new step forms
 * (`release`) and richer expected items (optional states, alternatives) are
 * additions to these unions; the names they need are reserved below.
 */

export const SPEC_ID_PATTERN = '^[a-z0-9][a-z0-9._-]*$';
export const ENDPOINT_NAME_PATTERN = '^[a-z][a-z0-9_]*$';

/** Words that step forms and expect entries use or will use; no endpoint may be called so. */
export const RESERVED_NAMES = ['await', 'within', 'release', 'hold', 'drop', 'delay', 'duplicate', 'reorder', 'all', 'wire', 'segment', 'segments', 'inject', 'sysctls'] as const;

/** An endpoint name that is not a reserved word: what keys endpoints, expect and action steps. */
const ENDPOINT_KEY_PATTERN = `^(?!(?:${RESERVED_NAMES.join('|')})$)${ENDPOINT_NAME_PATTERN.slice(1)}`;

export const MAX_ENDPOINTS = 2;
export const MAX_BYTES = 16 * 1024 * 1024;
/** Text a spec sends (e.g. a request line): short, it is written in the spec. */
export const MAX_TEXT_BYTES = 65536;
export const MAX_WITHIN_MS = 3_600_000;

export const ROLES = ['client', 'server'] as const;
export type Role = (typeof ROLES)[number];

export const SHUTDOWN_HOWS = ['read', 'write', 'both'] as const;

/** Actions written as a bare word (`a: close`). */
export const BARE_ACTIONS = ['listen', 'connect', 'accept', 'recv', 'close', 'close-listener', 'abort'] as const;
/** Actions written as a one-key mapping (`a: { send: 100 }`). */
export const MAPPING_ACTIONS = ['send', 'recv', 'shutdown'] as const;
export const ACTION_NAMES = ['listen', 'connect', 'accept', 'send', 'recv', 'shutdown', 'close', 'close-listener', 'abort'] as const;
export type ActionName = (typeof ACTION_NAMES)[number];

/** Which roles may perform each action; absent means any role. */
export const ACTION_ROLES: Partial<Record<ActionName, readonly Role[]>> = {
  listen: ['server'],
  accept: ['server'],
  'close-listener': ['server'],
  connect: ['client'],
};

export const TOP_LEVEL_KEYS = ['id', 'title', 'refs', 'description', 'endpoints', 'sysctls', 'wire', 'steps', 'expect', 'timers'] as const;

/** States whose timer sock_diag reports (Linux's timewait sockets), so a spec can check its length. */
export const TIMED_STATES = ['TIME_WAIT', 'FIN_WAIT_2'] as const;

/**
 * The kernel settings a spec may change inside its lab: TCP behaviour knobs
 * only, each a whole number. A spec cannot reach anything else.
 */
export const SPEC_SYSCTLS: Record<string, [number, number]> = {
  'net.ipv4.tcp_rfc1337': [0, 1],
  'net.ipv4.tcp_fin_timeout': [1, 3600],
  'net.ipv4.tcp_synack_retries': [0, 255],
  'net.ipv4.tcp_syn_retries': [1, 127],
  'net.ipv4.tcp_max_tw_buckets': [0, 1 << 20],
  'net.ipv4.tcp_timestamps': [0, 2],
  'net.ipv4.tcp_sack': [0, 1],
  'net.ipv4.tcp_window_scaling': [0, 1],
  'net.ipv4.tcp_ecn': [0, 2],
  'net.ipv4.tcp_syncookies': [0, 2],
  'net.ipv4.tcp_abort_on_overflow': [0, 1],
  'net.ipv4.tcp_orphan_retries': [0, 255],
  'net.ipv4.tcp_retries2': [1, 255],
};

export const INJECT_KEYS = ['from', 'flags', 'seq_offset', 'bytes'];
/** Fields of a peer's segment (send and expect). */
export const TEMPLATE_KEYS = ['flags', 'seq', 'ack', 'window', 'len', 'mss'];

/** What the relay can do to a matching segment. */
export const WIRE_ACTIONS = ['hold', 'drop', 'delay', 'duplicate', 'reorder'] as const;
export const RULE_KEYS = ['from', 'flags', 'data', 'nth', 'count', 'name'];
export const RULE_NAME_PATTERN = '^[a-z][a-z0-9_-]*$';
export const MAX_DELAY_MS = 60_000;
export const REQUIRED_TOP_LEVEL_KEYS = ['id', 'title', 'endpoints', 'steps', 'expect'] as const;

const literals = <T extends string>(values: readonly T[], description: string): TUnion<TLiteral<T>[]> =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    { description },
  );

export const StateNameSchema = literals(STATES, 'An RFC 9293 connection state, spelled as in Figure 5 with underscores');

function segmentTemplate(description: string, expect: boolean) {
  return Type.Object(
    {
      flags: Type.Optional(Type.String({ pattern: '^[A-Za-z]{3}(\\+[A-Za-z]{3})*$', description: 'Flags joined by +, e.g. SYN+ACK' })),
      seq: Type.Optional(Type.Integer({ description: "Sequence number relative to the sender's initial one" })),
      ack: Type.Optional(Type.Integer({ description: "Acknowledgment number relative to the receiver's initial sequence number" })),
      window: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535, description: 'Window' })),
      len: Type.Optional(Type.Integer({ minimum: 0, maximum: 1400, description: 'Payload length' })),
      mss: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: 'MSS option' })),
      ...(expect
        ? { within: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_WITHIN_MS, description: 'Milliseconds to wait for it' })) }
        : {}),
    },
    { additionalProperties: false, description },
  );
}

const byteCount = (description: string) => Type.Integer({ minimum: 1, maximum: MAX_BYTES, description });

export const ActionSchema = Type.Union(
  [
    Type.Union(
      [
        Type.Literal('listen', { description: 'Server: open a listening socket' }),
        Type.Literal('connect', { description: 'Client: connect to the server endpoint' }),
        Type.Literal('accept', { description: 'Server: accept one connection' }),
        Type.Literal('recv', { description: 'Receive whatever is available' }),
        Type.Literal('close', { description: 'Close the connection (FIN)' }),
        Type.Literal('close-listener', { description: 'Server: close the listening socket' }),
        Type.Literal('abort', { description: 'SO_LINGER 0 and close: reset the connection (RST)' }),
      ],
      { description: 'An action written as a bare word' },
    ),
    Type.Object(
      {
        send: Type.Union([
          byteCount(`Send this many bytes (1 to ${MAX_BYTES}, 16 MiB)`),
          Type.String({ minLength: 1, description: `Send this text, UTF-8 (at most ${MAX_TEXT_BYTES} bytes), e.g. "GET / HTTP/1.0\\r\\n\\r\\n"` }),
        ], { description: 'A byte count, or text in quotes' }),
      },
      { additionalProperties: false, description: 'Send bytes: { send: 100 }, or text: { send: "hello\\n" }' },
    ),
    Type.Object(
      {
        recv: Type.Union([byteCount(`Receive this many bytes (1 to ${MAX_BYTES})`), Type.Literal('eof', { description: 'Until the peer closes its side' })], {
          description: 'Receive this many bytes, or `eof` to receive until end of stream',
        }),
      },
      { additionalProperties: false, description: 'Receive bytes: { recv: 100 } or { recv: eof }' },
    ),
    Type.Object(
      { shutdown: literals(SHUTDOWN_HOWS, 'Which direction to shut down: read, write or both') },
      { additionalProperties: false, description: 'Half-close: { shutdown: write }' },
    ),
    Type.Object(
      { send: segmentTemplate('The segment a peer sends; unset fields take what the connection implies', false) },
      { additionalProperties: false, description: 'Peer endpoints: send a segment, e.g. { send: { flags: SYN } }' },
    ),
    Type.Object(
      { expect: segmentTemplate('The segment the peer expects next; unset fields match anything', true) },
      { additionalProperties: false, description: 'Peer endpoints: the next segment must match, e.g. { expect: { flags: SYN+ACK, ack: 1 } }' },
    ),
  ],
  { description: 'What the endpoint does' },
);

const EndpointName = Type.String({ pattern: ENDPOINT_KEY_PATTERN });

export const ActionStepSchema = Type.Record(EndpointName, ActionSchema, {
  minProperties: 1,
  maxProperties: 1,
  additionalProperties: false,
  title: 'Action step',
  description: 'One action on one endpoint, keyed by the endpoint name: `a: connect`',
});

const ruleFields = {
  from: Type.String({ pattern: ENDPOINT_KEY_PATTERN, description: 'The endpoint whose segments the rule applies to' }),
  flags: Type.Optional(
    Type.String({
      pattern: '^[A-Za-z]{3}(\\+[A-Za-z]{3})*$',
      description: 'Flags joined by +, e.g. FIN+ACK. SYN, FIN, RST and ACK must match exactly; PSH, URG, ECE and CWR are required when named',
    }),
  ),
  data: Type.Optional(Type.Boolean({ description: 'true: only segments with payload; false: only segments without' })),
  nth: Type.Optional(Type.Integer({ minimum: 1, description: 'Only the nth matching segment, counted from when the rule starts' })),
  count: Type.Optional(Type.Integer({ minimum: 1, description: 'At most this many segments' })),
  name: Type.Optional(Type.String({ pattern: RULE_NAME_PATTERN, description: 'Name for release (default: <action>-<n>)' })),
};

export const AwaitStepSchema = Type.Object(
  {
    await: Type.Object(
      {
        segment: Type.Optional(
          Type.Object(
            { from: ruleFields.from, flags: ruleFields.flags, data: ruleFields.data, nth: ruleFields.nth },
            { additionalProperties: false, description: 'Also wait until the relay has delivered such a segment (the nth since the start, default the first)' },
          ),
        ),
      },
      {
        minProperties: 1,
        additionalProperties: StateNameSchema,
        description: 'Wait until each named endpoint has reached the given state, which must be in its expected list',
      },
    ),
    within: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_WITHIN_MS,
        description: 'Give up after this many milliseconds (default: the runner\'s)',
      }),
    ),
  },
  { additionalProperties: false, title: 'Await step', description: 'Wait for states: `await: { a: ESTABLISHED }`' },
);


const rule = (action: string, description: string, extra: Record<string, ReturnType<typeof Type.Integer>> = {}) =>
  Type.Object(
    { [action]: Type.Object({ ...ruleFields, ...extra }, { additionalProperties: false, description }) },
    { additionalProperties: false, description },
  );

export const WireRuleSchema = Type.Union(
  [
    rule('hold', 'Hold matching segments until a release step delivers them'),
    rule('drop', 'Drop matching segments (lost on the wire)'),
    rule('delay', 'Deliver matching segments after ms milliseconds', {
      ms: Type.Integer({ minimum: 1, maximum: MAX_DELAY_MS, description: 'How long each segment is held back' }),
    }),
    rule('duplicate', 'Deliver matching segments twice'),
    rule('reorder', 'Deliver each matching segment after the next segment from the same endpoint'),
  ],
  { description: 'A wire rule: what the relay does to matching segments' },
);

export const ReleaseStepSchema = Type.Object(
  {
    release: Type.String({ description: 'A rule name, or all: deliver what it holds, in order, and end it' }),
  },
  { additionalProperties: false, title: 'Release step', description: 'End a wire rule: `release: all`' },
);

export const InjectStepSchema = Type.Object(
  {
    inject: Type.Object(
      {
        from: ruleFields.from,
        flags: Type.String({ pattern: '^[A-Za-z]{3}(\\+[A-Za-z]{3})*$', description: 'Flags of the segment, e.g. RST or FIN+ACK' }),
        seq_offset: Type.Optional(
          Type.Integer({ description: 'Added to the sequence number the receiver expects next (default 0: exactly in window)' }),
        ),
        bytes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1400, description: 'Payload length' })),
      },
      { additionalProperties: false, description: 'The segment to send: from which endpoint, its flags, where in the sequence space' },
    ),
  },
  {
    additionalProperties: false,
    title: 'Inject step',
    description: 'The harness sends a segment as if from an endpoint, placed in the connection: `inject: { from: b, flags: RST }`',
  },
);

export const StepSchema = Type.Union([AwaitStepSchema, ReleaseStepSchema, InjectStepSchema, WireRuleSchema, ActionStepSchema], {
  description: 'One step, in order: an action on one endpoint, or an await',
});

export const EndpointSchema = Type.Object(
  {
    role: literals(ROLES, 'client (connects) or server (listens and accepts)'),
    peer: Type.Optional(
      Type.Boolean({ description: 'true: the harness plays this endpoint itself, segment by segment (docs/specs.md "The peer")' }),
    ),
    needs: Type.Optional(
      Type.Array(
        Type.Union(BEHAVIOUR_NAMES.map((b) => Type.Literal(b, { description: BEHAVIOURS[b] }))),
        {
          uniqueItems: true,
          description: 'Behaviours the program must show by itself; a target without them makes the spec not-applicable (docs/specs.md "Applicability")',
        },
      ),
    ),
  },
  { additionalProperties: false, description: 'One side of the connection' },
);

export const SpecFileSchema = Type.Object(
  {
    id: Type.String({
      pattern: SPEC_ID_PATTERN,
      description: 'Identifier, unique in a suite: lower case letters, digits, dot, dash, underscore (e.g. close.client-first)',
    }),
    title: Type.String({ minLength: 1, description: 'One line saying what the scenario is' }),
    refs: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        description: 'Where the behaviour is specified, e.g. "RFC 9293 §3.6"',
      }),
    ),
    description: Type.Optional(Type.String({ description: 'Free text: what the spec checks and why' })),
    endpoints: Type.Record(EndpointName, EndpointSchema, {
      minProperties: 1,
      maxProperties: MAX_ENDPOINTS,
      additionalProperties: false,
      description: `The endpoints, by name (lower case, e.g. a and b), ${MAX_ENDPOINTS} at most`,
    }),
    timers: Type.Optional(
      Type.Record(
        EndpointName,
        Type.Object(
          Object.fromEntries(
            TIMED_STATES.map((st) => [
              st,
              Type.Optional(
                Type.Object(
                  {
                    min_ms: Type.Integer({ minimum: 0, description: 'Shortest acceptable length, ms' }),
                    max_ms: Type.Integer({ minimum: 0, description: 'Longest acceptable length, ms' }),
                  },
                  { additionalProperties: false, description: `How long the ${st} timer may be` },
                ),
              ),
            ]),
          ),
          { additionalProperties: false, description: 'Timer lengths of this endpoint, by state' },
        ),
        { additionalProperties: false, description: 'Timer lengths measured from sock_diag without waiting them out (docs/specs.md "Timer expectations")' },
      ),
    ),
    sysctls: Type.Optional(
      Type.Object(
        Object.fromEntries(
          Object.entries(SPEC_SYSCTLS).map(([k, [min, max]]) => [k, Type.Optional(Type.Integer({ minimum: min, maximum: max, description: `Sets ${k} in the lab's namespaces` }))]),
        ),
        { additionalProperties: false, description: 'Kernel TCP settings for this spec\'s lab (only these keys)' },
      ),
    ),
    wire: Type.Optional(Type.Array(WireRuleSchema, { description: 'Wire rules active from the start, applied by the relay' })),
    steps: Type.Array(StepSchema, { minItems: 1, description: 'What happens, in order' }),
    expect: Type.Record(
      EndpointName,
      Type.Array(StateNameSchema, {
        minItems: 1,
        description: 'The states this endpoint passes through, in order, starting with CLOSED; matched exactly',
      }),
      {
        minProperties: 1,
        additionalProperties: false,
        description: 'For every endpoint, the sequence of states it must pass through',
      },
    ),
  },
  {
    additionalProperties: false,
    title: 'tcpconform spec',
    description: 'One scenario for the TCP connection state machine (RFC 9293); see docs/specs.md',
  },
);

/** A spec file as written (before positions and normalization). */
export type SpecFile = Static<typeof SpecFileSchema>;
