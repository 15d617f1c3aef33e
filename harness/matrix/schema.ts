import { Type, type Static } from '@sinclair/typebox';
import { POSITIONS, PROFILES, SEGMENT_KINDS } from '../model/reaction.js';
import { ObservedStateSchema, StateName, Verdict } from '../run/results.js';

/**
 * The shape of `matrix.json` (docs/matrix.md): one TypeBox source for the
 * TypeScript types and `schemas/matrix.schema.json`.
 */

const Literals = <T extends string>(values: readonly T[], description: string) =>
  Type.Union(values.map((v) => Type.Literal(v)), { description });

export const MatrixCellSchema = Type.Object(
  {
    id: Type.String({ description: 'Cell id: matrix.<state>.<kind>.<position>; target deviations name cells by it' }),
    state: StateName,
    kind: Literals(SEGMENT_KINDS, 'The kind of segment sent to the target (data: ACK with 100 bytes of payload)'),
    position: Literals(POSITIONS, "Where the segment sits in the target's sequence space (docs/matrix.md)"),
    verdict: Verdict,
    reason: Type.Optional(Type.String({ description: 'Why the verdict: what differs, the error, why not applicable, the documented deviation' })),
    sent: Type.Optional(Type.String({ description: 'The segment the harness sent, with numbers relative to each side\'s ISN' })),
    expected: Type.Object(
      {
        send: Type.Array(Type.String(), { description: 'Segments the target must send in reply; [bracketed] ones are optional (a MAY)' }),
        states: Type.Array(StateName, { description: 'States the target must enter, in order (empty: it stays)' }),
        app: Type.Array(Type.String(), { description: 'What the application is told, in the RFC\'s words (not observed)' }),
        rule: Type.String({ description: 'The oracle\'s reasoning in one line' }),
        cites: Type.Array(
          Type.Object({ section: Type.String(), text: Type.String({ description: 'The sentence of RFC 9293, quoted' }) }, { additionalProperties: false }),
        ),
      },
      { additionalProperties: false },
    ),
    observed: Type.Optional(
      Type.Object(
        {
          send: Type.Array(Type.String(), { description: 'Segments the target sent after the segment under test' }),
          states: Type.Array(StateName, { description: 'States the target entered after the prefix' }),
          retransmissions: Type.Number({ description: 'Segments after the test that repeat earlier ones (timers, not reactions): not judged' }),
          timeline: Type.Array(ObservedStateSchema, { description: "The target's whole observed timeline, with the observers that saw each state" }),
        },
        { additionalProperties: false },
      ),
    ),
    pcap: Type.Optional(Type.String({ description: 'pcap of the cell, relative to the matrix folder' })),
    durationMs: Type.Number(),
  },
  { additionalProperties: false },
);

export const MatrixResultSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    tool: Type.Object({ name: Type.Literal('tcpconform'), version: Type.String() }, { additionalProperties: false }),
    kind: Type.Literal('matrix'),
    run: Type.String(),
    startedAt: Type.String({ format: 'date-time' }),
    durationMs: Type.Number(),
    target: Type.Object({ id: Type.String(), title: Type.String() }, { additionalProperties: false }),
    profile: Literals(PROFILES, 'rfc9293: the original checks RFC 9293 keeps; rfc5961: with the RFC 5961 mitigations'),
    environment: Type.Object(
      { kernel: Type.String(), node: Type.String(), jobs: Type.Number(), ip: Type.Union([Type.Literal(4), Type.Literal(6)], { description: 'IP version the cells ran over' }) },
      { additionalProperties: false },
    ),
    totals: Type.Record(Type.String(), Type.Number(), { description: 'Count of each verdict' }),
    cells: Type.Array(MatrixCellSchema),
  },
  { additionalProperties: false, title: 'tcpconform matrix' },
);

export type MatrixCell = Static<typeof MatrixCellSchema>;
export type MatrixResult = Static<typeof MatrixResultSchema>;

/** Identifies the schema of matrix.json (published as `schemas/matrix.schema.json`), like results.json's. */
export const MATRIX_SCHEMA_ID = 'tcpconform/matrix.schema.json';
