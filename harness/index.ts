/**
 * tcpconform as a library: load specs and targets, run them in labs of their
 * own, and get the results; add reporters, observers and wire rules.
 * docs/api.md has examples. The command line is built on the same functions.
 */

export { run, prepareTargets, missingRoles, newRunFolder, DEFAULT_JOBS, type RunOptions, type RunOutcome } from './api/run.js';
export { loadSuite, readTarget, type LoadSuiteOptions } from './api/load.js';
export { BadInputError, CannotRunError, NeedsUserNamespaceError, type MachineProblem } from './api/errors.js';
export { BUNDLED_SPECS, SCHEMAS_DIR, PACKAGE_ROOT, packageVersion } from './api/package.js';

export { loadSpecs, loadSpecFile } from './spec/load.js';
export type { Spec, Step, Action, Pos } from './spec/types.js';
export { formatDiagnostic, type Diagnostic } from './spec/diagnostic.js';
export { loadTarget, bundledTargetIds } from './target/registry.js';
export type { ResolvedTarget, Role, Placeholders } from './target/definition.js';
export { ensureReferenceBuilt, MissingToolError, type ReferencePrograms } from './target/reference-build.js';

export type { CustomFaultRule, Observer, ObservedLab, WireSegment } from './run/plugins.js';
export type { FaultAction } from './lab/faults.js';
export type { Timeouts } from './run/executor.js';
export type {
  RunResult,
  SpecResult,
  EndpointResult,
  ObservedStateResult,
  SegmentResult,
  VerdictName,
} from './run/results.js';
export { RunResultSchema, SpecResultSchema } from './run/results.js';
export type { State } from './model/states.js';
export { STATES } from './model/states.js';

export {
  createReporters,
  REPORTER_NAMES,
  ReporterMultiplexer,
  ConsoleReporter,
  JsonReporter,
  JunitReporter,
  HtmlReporter,
  MarkdownReporter,
  updateLatest,
  type Reporter,
  type RunInfo,
  type SpecInfo,
  type Progress,
  type ReporterContext,
  type TextSink,
} from './report/index.js';
