import { PROVOKING_OPS, QUIET, STAYS_CLOSED } from '../spec/capabilities.js';
import type { Spec } from '../spec/types.js';
import { missingCapabilities, type ResolvedTarget } from '../target/definition.js';
import { requirementsProblem } from '../target/requires.js';

/**
 * Whether a spec can run with the given targets, decided before any lab is
 * made: a target that lacks a capability an endpoint needs makes the spec
 * not applicable (never failed), and a target whose programs are missing
 * cannot run at all (an error that says what to install).
 */

/** What an endpoint of a spec needs from the program that fills it. */
export function needsOf(spec: Spec, endpoint: string): string[] {
  const e = spec.endpoints[endpoint]!;
  const needs = new Set<string>(e.needs ?? []);
  for (const step of spec.steps) if (step.kind === 'action' && step.endpoint === endpoint) needs.add(step.action.op);
  if (e.role === 'server' && !needs.has('listen')) needs.add(STAYS_CLOSED);
  const connected = (spec.expect[endpoint] ?? []).includes('ESTABLISHED');
  const provoked = spec.steps.some((s) => s.kind === 'action' && s.endpoint !== endpoint && PROVOKING_OPS.has(s.action.op));
  // A server acts when provoked; a client that cannot be driven may act as soon as it is connected (a request).
  if (connected && (provoked || e.role === 'client') && !e.needs?.length) needs.add(QUIET);
  return [...needs];
}

export type Applicability = { verdict: 'not-applicable' | 'error'; reason: string } | undefined;

export function applicability(spec: Spec, targets: Record<string, ResolvedTarget>): Applicability {
  const problems: string[] = [];
  const missing: string[] = [];
  for (const [name, e] of Object.entries(spec.endpoints)) {
    if (e.peer) continue;
    const target = targets[name];
    if (!target) continue;
    const problem = requirementsProblem(target);
    if (problem && !problems.includes(problem)) problems.push(problem);
    const lacks = missingCapabilities(target, e.role, needsOf(spec, name));
    if (lacks.length) missing.push(`${name} (${target.id} ${e.role}) lacks ${lacks.join('; ')}`);
  }
  if (missing.length) return { verdict: 'not-applicable', reason: missing.join('; ') };
  if (problems.length) return { verdict: 'error', reason: problems.join('; ') };
  return undefined;
}
