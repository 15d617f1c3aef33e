import fs from 'node:fs';
import path from 'node:path';
import type { Requirement, ResolvedTarget } from './definition.js';

/**
 * The programs a target file says it needs: found in PATH or not, and when
 * not, the exact line that installs them.
 */

function found(program: string): boolean {
  const candidates = program.includes('/') ? [program] : (process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':').filter(Boolean).map((d) => path.join(d, program));
  return candidates.some((file) => {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return fs.statSync(file).isFile();
    } catch {
      return false;
    }
  });
}

/** `apt-get install -y nginx-light`, `npm install -g x`, or what to look for when the file names no package. */
export function installLine(missing: Requirement[]): string {
  const debian = [...new Set(missing.flatMap((r) => (r.debian ? [r.debian] : [])))];
  const npm = [...new Set(missing.flatMap((r) => (r.npm ? [r.npm] : [])))];
  const other = missing.filter((r) => !r.debian && !r.npm).map((r) => r.program);
  const lines: string[] = [];
  if (debian.length) lines.push(`apt-get install -y ${debian.join(' ')}`);
  if (npm.length) lines.push(`npm install -g ${npm.join(' ')}`);
  if (other.length) lines.push(`install ${other.join(', ')} (the target file names no package)`);
  return lines.join(' && ');
}

/** The target's requirements that are not on this machine. */
export function missingRequirements(target: Pick<ResolvedTarget, 'requires'>): Requirement[] {
  return (target.requires ?? []).filter((r) => !found(r.program));
}

/** One sentence for a report: what is missing and how to install it; undefined when nothing is. */
export function requirementsProblem(target: Pick<ResolvedTarget, 'id' | 'requires'>): string | undefined {
  const missing = missingRequirements(target);
  if (missing.length === 0) return undefined;
  return `target ${target.id} needs ${missing.map((r) => r.program).join(', ')}, not found in PATH; install with: ${installLine(missing)}`;
}
