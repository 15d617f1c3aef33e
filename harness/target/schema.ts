import { Type, type Static } from '@sinclair/typebox';

/**
 * The target file format (`targets/*.yaml`, docs/targets.md): one TypeBox
 * source for the TypeScript type and `schemas/target.schema.json`.
 */

const Argv = Type.Array(Type.String(), {
  minItems: 1,
  description:
    'Program and arguments. Placeholders: {addr} (the endpoint\'s address), {port} (the server\'s port), ' +
    '{peer} (the other endpoint\'s address), {reference} (folder of the built reference programs), {targets} (folder of this file), ' +
    '{tap} (the TAP device of a userspace stack), {lwip} (folder of the built lwIP program)',
});

export const RoleSchema = Type.Object(
  { argv: Argv },
  { additionalProperties: false, description: 'How to start the program in this role' },
);

export const TargetSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9._-]*$', description: 'Target id, used with --target' }),
    title: Type.String({ description: 'One line saying what the target is' }),
    description: Type.Optional(Type.String()),
    stack: Type.Union([Type.Literal('kernel'), Type.Literal('userspace')], {
      description:
        'Which TCP stack the program uses: kernel (the namespace\'s Linux stack) or userspace (its own, attached to the TAP device {tap}; judged from the wire and its self-report)',
    }),
    control: Type.Literal('protocol', {
      description: 'How the harness drives it: protocol = the JSON-lines control protocol on stdin/stdout (docs/control-protocol.md)',
    }),
    deviations: Type.Optional(
      Type.Array(
        Type.Object(
          {
            specs: Type.Array(Type.String(), { minItems: 1, description: 'Ids of the specs this deviation concerns' }),
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
