import path from 'node:path';
import type { Spec } from '../spec/types.js';
import { deviationsFor, type Deviation } from '../target/deviations.js';
import { loadTarget } from '../target/registry.js';
import { EXIT, type Io } from './io.js';
import { printDiagnostics } from './main.js';

export interface ListFlags {
  grep?: string;
  json?: boolean;
  target?: string;
}

/** `list --json`: the specs for programs (the jest integration names its tests from it). */
export async function listJson(io: Io, specs: Spec[], targetName: string | undefined): Promise<number> {
  let deviations: Deviation[] = [];
  if (targetName !== undefined) {
    const loaded = await loadTarget(targetName, io.cwd, undefined, false);
    if (printDiagnostics(io, loaded.diagnostics) || !loaded.target) return EXIT.badInput;
    deviations = loaded.target.deviations ?? [];
  }
  const list = specs.map((s) => {
    const deviation = deviationsFor(deviations, s.id)[0];
    return { id: s.id, title: s.title, file: path.relative(io.cwd, s.file), ...(deviation ? { deviation: deviation.reason.trim() } : {}) };
  });
  io.stdout.write(JSON.stringify(list, null, 2) + '\n');
  return EXIT.ok;
}
