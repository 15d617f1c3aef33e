import path from 'node:path';
import type { RunResult, SpecResult } from '../run/results.js';
import { writeFileAtomic } from './atomic.js';
import { coverageCounts, runCoverage } from './coverage.js';
import { formatDuration, stripAnsi, tailLines } from './format.js';
import type { Reporter } from './reporter.js';
import { classifyDiffLine, ipLabel, targetsOf, totalsLine, VERDICT_ICON, VERDICT_LABEL } from './verdicts.js';

export const SUMMARY_FILE = 'summary.md';

/**
 * `summary.md`: the run in GitHub-flavoured Markdown, written to read well
 * as a CI job summary (`cat summary.md >> "$GITHUB_STEP_SUMMARY"`, or a
 * GitLab report artifact): a totals line, a table of specs, each failure
 * with its diff in a fenced `diff` block (so CI pages colour it), and the
 * coverage counts. Everything from the results is escaped, so a spec title
 * cannot break the table or inject markup.
 */
export class MarkdownReporter implements Reporter {
  readonly name = 'markdown';

  constructor(private readonly outDir: string) {}

  async onEnd(run: RunResult): Promise<void> {
    await writeFileAtomic(path.join(this.outDir, SUMMARY_FILE), markdownSummary(run));
  }
}

/** Details of at most this many failing specs: GitHub caps a job summary at 1 MiB. */
const MAX_DETAILED = 30;
const STDERR_LINES = 20;

export function markdownSummary(run: RunResult): string {
  const bad = run.results.filter((r) => r.verdict === 'fail' || r.verdict === 'error');
  const icon = bad.length > 0 ? VERDICT_ICON.fail : run.results.length > 0 ? VERDICT_ICON.pass : VERDICT_ICON['not-applicable'];
  const env = run.environment;
  const out: string[] = [
    `## ${icon} tcpconform: ${totalsLine(run)}`,
    '',
    `${run.results.length} spec(s) in ${formatDuration(run.durationMs)} · run ${code(run.run)} · started ${text(run.startedAt)} · ` +
      `kernel ${code(env.kernel)} · Node.js ${code(env.node)} · ${env.timers} timers · ${env.jobs} job(s)`,
    '',
  ];

  if (bad.length > 0) {
    out.push('### Failures and errors', '');
    for (const r of bad.slice(0, MAX_DETAILED)) out.push(...details(r));
    if (bad.length > MAX_DETAILED) out.push(`…and ${bad.length - MAX_DETAILED} more: see \`index.html\` or \`results.json\`.`, '');
  }

  const deviations = run.results.filter((r) => r.verdict === 'deviation');
  if (deviations.length > 0) {
    out.push('### Documented deviations', '');
    for (const r of deviations) out.push(`- ${code(r.spec)}: ${text(stripAnsi(r.reason ?? 'documented by the target profile'))}`);
    out.push('');
  }

  const disagreements = run.results.filter((r) => (r.disagreements ?? []).length > 0);
  if (disagreements.length > 0) {
    out.push('### Observers disagree', '');
    for (const r of disagreements) for (const d of r.disagreements!) out.push(`- ${code(r.spec)}: ${text(d)}`);
    out.push('');
  }

  if (run.results.length > 0) {
    out.push('### Specs', '');
    out.push('| verdict | spec | title | target | duration |', '|---|---|---|---|--:|');
    for (const r of run.results) {
      out.push(
        `| ${VERDICT_ICON[r.verdict]} ${VERDICT_LABEL[r.verdict]} | ${cellCode(r.spec)} | ${cell(r.title)} | ${cell([targetsOf(r).join(', '), ipLabel(r)].filter(Boolean).join(' · '))} | ${formatDuration(r.durationMs)} |`,
      );
    }
    out.push('');
  }

  const c = runCoverage(run);
  const n = coverageCounts(c);
  out.push(
    '### RFC 9293 coverage',
    '',
    `States **${n.states.covered} of ${n.states.total}** · transitions **${n.transitions.covered} of ${n.transitions.total}**` +
      (n.transitions.unreachable > 0 ? ` (and ${n.transitions.unreachable} the sockets API cannot produce)` : '') +
      (c.source === 'computed' ? ' · from the observed paths of the passing specs' : ''),
    '',
  );
  if (n.missedStates.length > 0) out.push(`States not covered: ${n.missedStates.map(code).join(', ')}`, '');
  if (n.missedTransitions.length > 0) out.push(`Transitions not covered: ${n.missedTransitions.map((t) => code(t.replace('->', ' → '))).join(', ')}`, '');
  return out.join('\n').replace(/\n+$/, '') + '\n';
}

function details(r: SpecResult): string[] {
  const where = [code(r.file), formatDuration(r.durationMs), ipLabel(r)].filter(Boolean).join(' · ');
  const out = [`#### ${VERDICT_ICON[r.verdict]} ${code(r.spec)}: ${text(r.title)}`, '', where, ''];
  if (r.reason) out.push(text(stripAnsi(r.reason)), '');
  if (r.diff) out.push(...fenced('diff', githubDiff(stripAnsi(r.diff))), '');
  for (const [name, t] of Object.entries(r.stderr ?? {})) {
    if (!t.trim()) continue;
    out.push(`stderr of ${code(name)} (last lines):`, '', ...fenced('text', tailLines(stripAnsi(t), STDERR_LINES).join('\n')), '');
  }
  return out;
}

/**
 * The results' diff with each `-`/`+` moved to the first column, where
 * GitHub's and GitLab's `diff` highlighting looks for it; the state names
 * stay aligned with the unchanged lines.
 */
export function githubDiff(diff: string): string {
  return diff
    .replace(/\s+$/, '')
    .split(/\r?\n/)
    .map((line) => {
      const c = classifyDiffLine(line);
      if (c.kind === 'missing' || c.kind === 'unexpected') return `${c.kind === 'missing' ? '-' : '+'} ${c.indent}${c.text}`;
      // Context lines must not start with a marker of their own.
      return /^[-+]/.test(line) ? ` ${line}` : line;
    })
    .join('\n');
}

/** A fenced block whose fence is longer than any run of backticks inside. */
export function fenced(lang: string, body: string): string[] {
  const longest = Math.max(0, ...[...body.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return [`${fence}${lang}`, body.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g, ''), fence];
}

/** Inline code that survives backticks in its content. */
export function code(s: string): string {
  const flat = s.replace(/[\r\n]+/g, ' ');
  const longest = Math.max(0, ...[...flat.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${ticks}${pad}${flat}${pad}${ticks}`;
}

/**
 * Plain text on one line: what is markup anywhere (emphasis, code, links,
 * HTML, tables) is escaped everywhere, and what is markup only at the start
 * of a line (headings, lists, quotes) only there, so the file still reads
 * as plain text too.
 */
export function text(s: string): string {
  return s
    .replace(/[\r\n]+/g, ' ')
    .replace(/[\x00-\x1f\x7f]/g, '')
    .replace(/([\\`*[\]|~])/g, '\\$1')
    // An underscore inside a word (FIN_WAIT_1) cannot start emphasis in GFM; only those at a word's edge are escaped.
    .replace(/(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, '\\_')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/^(\s*)([-+#=])/, '$1\\$2')
    .replace(/^(\s*)(\d+)([.)])/, '$1$2\\$3');
}

/** A table cell: text, with the pipes inside code spans escaped too, as GFM tables need. */
function cell(s: string): string {
  return text(s);
}

function cellCode(s: string): string {
  return code(s).replace(/\|/g, '\\|');
}
