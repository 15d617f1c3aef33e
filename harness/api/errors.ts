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

/**
 * Not root, and the machine lets this user run labs in a user namespace of
 * its own: the command line then runs itself again there (`tcpconform run`
 * does it; a program can run the command instead, as the jest integration
 * does). Node cannot enter a new user namespace itself.
 */
export class NeedsUserNamespaceError extends CannotRunError {
  override name = 'NeedsUserNamespaceError';
  constructor() {
    super([
      {
        what: 'not root: labs need a user namespace of their own, which a running Node.js process cannot enter',
        fix: 'run the `tcpconform` command (it runs itself again in a user namespace), or run as root',
      },
    ]);
  }
}
