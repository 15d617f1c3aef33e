import fs from 'node:fs';
import path from 'node:path';
import { fileDiagnostic, type Diagnostic } from '../spec/diagnostic.js';
import { loadTargetFile, resolveTarget, TARGETS_DIR, type ResolvedTarget } from './definition.js';
import { ensureLwipBuilt } from './lwip-build.js';
import { ensureReferenceBuilt } from './reference-build.js';

/**
 * Finding targets by what the user typed: a bundled target's id
 * (`reference`) or the path of a target file.
 */

export function bundledTargetIds(): string[] {
  try {
    return fs
      .readdirSync(TARGETS_DIR)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => f.slice(0, -'.yaml'.length))
      .sort();
  } catch {
    return [];
  }
}

function targetPath(name: string, cwd: string): string {
  if (name.includes('/') || name.endsWith('.yaml') || name.endsWith('.yml')) return path.resolve(cwd, name);
  return path.join(TARGETS_DIR, `${name}.yaml`);
}

export async function loadTarget(
  name: string,
  cwd: string,
  log?: (line: string) => void,
  /** false: check the file only, without building the reference programs it may need. */
  build = true,
): Promise<{ target?: ResolvedTarget; diagnostics: Diagnostic[] }> {
  const file = targetPath(name, cwd);
  if (!fs.existsSync(file)) {
    const known = bundledTargetIds();
    return {
      diagnostics: [
        fileDiagnostic(name, 'unknown-target', `no target "${name}": give a target file path or one of: ${known.join(', ') || '(none bundled)'}`),
      ],
    };
  }
  const { target, diagnostics, at } = loadTargetFile(file);
  if (!target) return { diagnostics };
  const usesReference = Object.values(target.roles).some((r) => r?.argv.some((a) => a.includes('{reference}')));
  const referenceDir = usesReference && build ? (await ensureReferenceBuilt(log ? { log } : {})).dir : '';
  const usesLwip = Object.values(target.roles).some((r) => r?.argv.some((a) => a.includes('{lwip}')));
  const lwipDir = usesLwip && build ? await ensureLwipBuilt(log ? { log } : {}) : '';
  return { target: resolveTarget(target, file, referenceDir, at, lwipDir), diagnostics };
}
