import { formatDiagnostic, type Diagnostic } from '../spec/diagnostic.js';

/** Bad input (a spec, a target file, an option): every problem with its file:line:col. The CLI exits 2. */
export class BadInputError extends Error {
  override name = 'BadInputError';
  constructor(readonly diagnostics: Diagnostic[]) {
    super(
      diagnostics.length === 1
        ? formatDiagnostic(diagnostics[0]!, { color: false })
        : `${diagnostics.length} problems:\n\n${diagnostics.map((d) => formatDiagnostic(d, { color: false })).join('\n\n')}`,
    );
  }
}

export interface MachineProblem {
  /** What is missing. */
  what: string;
  /** How to fix it, where known. */
  fix?: string;
}

/** The harness cannot run on this machine: missing privilege, tool or kernel facility. The CLI exits 3. */
export class CannotRunError extends Error {
  override name = 'CannotRunError';
  constructor(readonly problems: MachineProblem[]) {
    super(`tcpconform cannot run here:\n${problems.map((p) => `  - ${p.what}${p.fix ? `\n    fix: ${p.fix}` : ''}`).join('\n')}`);
  }
}
