import { Type, type Static } from '@sinclair/typebox';
import { BEHAVIOUR_NAMES, BEHAVIOURS } from '../spec/capabilities.js';

/**
 * The target file format (`targets/*.yaml`, docs/targets.md): one TypeBox
 * source for the TypeScript type and `schemas/target.schema.json`.
 */

const Argv = Type.Array(Type.String(), {
  minItems: 1,
  description:
    'Program and arguments. Placeholders: {addr} (the endpoint\'s address), {port} (the server\'s port), {hostport} ({addr}:{port}, IPv6 in brackets), ' +
    '{peer} (the other endpoint\'s address), {peerport} ({peer}:{port}, IPv6 in brackets), {reference} (folder of the built reference programs), {targets} (folder of this file), ' +
    '{tmp} (a folder of the process\'s own, holding the files of `files`, removed after it exits), ' +
    '{tap} (the TAP device of a userspace stack), {lwip} (folder of the built lwIP program)',
});

export const RoleSchema = Type.Object(
  { argv: Argv },
  { additionalProperties: false, description: 'How to start the program in this role' },
);

export const ReadySchema = Type.Union(
  [
    Type.Literal('listening', { description: 'A LISTEN socket on {addr}:{port} shows in sock_diag inside the endpoint\'s namespace' }),
    Type.Object(
      { stdout: Type.String({ minLength: 1, description: 'A regular expression; ready when a line of stdout matches it' }) },
      { additionalProperties: false },
    ),
    Type.Object(
      { delay: Type.Integer({ minimum: 1, maximum: 60000, description: 'Milliseconds after the start (last resort: a guess, not an observation)' }) },
      { additionalProperties: false },
    ),
  ],
  {
    description:
      'How the harness knows the program is ready. Default: the control protocol\'s ready event (control: protocol), ' +
      'listening (control: none, server role)',
  },
);

export const RequiresSchema = Type.Array(
  Type.Object(
    {
      program: Type.String({ minLength: 1, description: 'A program that must be found in PATH (or an absolute path)' }),
      debian: Type.Optional(Type.String({ minLength: 1, description: 'The Debian package that provides it' })),
      npm: Type.Optional(Type.String({ minLength: 1, description: 'The npm package that provides it' })),
    },
    { additionalProperties: false },
  ),
  { description: 'Programs the target needs; a missing one gives the verdict error with the line that installs it' },
);

export const CapabilitiesSchema = Type.Array(
  Type.Union(
    BEHAVIOUR_NAMES.map((b) => Type.Literal(b, { description: BEHAVIOURS[b] })),
    { description: 'A behaviour' },
  ),
  { uniqueItems: true, description: 'What the program does by itself, without being driven (specs that need it run; others are not applicable)' },
);

export const FilesSchema = Type.Record(Type.String({ pattern: '^[A-Za-z0-9._-]+$' }), Type.String(), {
  description: 'Files written into {tmp} before each start, placeholders filled (e.g. a configuration file)',
});

export const TargetSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9._-]*$', description: 'Target id, used with --target' }),
    title: Type.String({ description: 'One line saying what the target is' }),
    description: Type.Optional(Type.String()),
    stack: Type.Union([Type.Literal('kernel'), Type.Literal('userspace')], {
      description:
        'Which TCP stack the program uses: kernel (the namespace\'s Linux stack) or userspace (its own, attached to the TAP device {tap}; judged from the wire and its self-report)',
    }),
    control: Type.Union([Type.Literal('protocol'), Type.Literal('none')], {
      description:
        'How the harness drives it: protocol = the JSON-lines control protocol on stdin/stdout (docs/control-protocol.md); ' +
        'none = it cannot be driven: the harness starts it and the other endpoint does the work',
    }),
    ready: Type.Optional(ReadySchema),
    requires: Type.Optional(RequiresSchema),
    capabilities: Type.Optional(CapabilitiesSchema),
    files: Type.Optional(FilesSchema),
    deviations: Type.Optional(
      Type.Array(
        Type.Object(
          {
            specs: Type.Array(Type.String(), { minItems: 1, description: 'Ids of the specs (or matrix cells) this deviation concerns; * matches any run of characters' }),
            reason: Type.String({ minLength: 1, description: 'What the target does instead, and why' }),
          },
          { additionalProperties: false },
        ),
        { description: 'Known, documented differences from the specs: a spec that fails because of one gets the verdict deviation' },
      ),
    ),
    roles: Type.Object(
      { server: Type.Optional(RoleSchema), client: Type.Optional(RoleSchema) },
      { additionalProperties: false, minProperties: 1, description: 'The roles the program can fill' },
    ),
  },
  { additionalProperties: false, title: 'tcpconform target' },
);

export type TargetFile = Static<typeof TargetSchema>;
