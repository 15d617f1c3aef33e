import { LineCounter } from 'yaml';

/**
 * A problem found in an input file, with where it is. Lines and columns are
 * 1-based and count UTF-16 code units, as editors and yaml's `LineCounter` do.
 * Diagnostics are collected and returned, never thrown, so that one run shows
 * every problem of every file.
 */
export interface Diagnostic {
  /** Stable, kebab-case identifier of the kind of problem (see docs/specs.md). */
  code: string;
  message: string;
  file: string;
  line: number;
  col: number;
  endLine?: number;
  endCol?: number;
  /** The offending source line with a gutter, and a caret line under the span. Empty when there is no source. */
  excerpt: string;
}

/** A source text and its line index, so many diagnostics can share one. */
export interface SourceText {
  file: string;
  text: string;
  lineCounter: LineCounter;
}

/**
 * The line index is always built from the whole text: the parser's own
 * LineCounter only knows the lines its lexer reached, so a position past an
 * early syntax error would come out with a column beyond its line.
 */
export function sourceText(file: string, text: string): SourceText {
  const lc = new LineCounter();
  lc.addNewLine(0);
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lc.addNewLine(i + 1);
  return { file, text, lineCounter: lc };
}

/** Longest stretch of a source line shown; longer lines are cut around the span. */
const MAX_EXCERPT_WIDTH = 120;

/**
 * A diagnostic for the span `[start, end)` of `src` (offsets in code units).
 * An empty span still gets one caret.
 */
export function diagnosticAt(src: SourceText, code: string, message: string, start: number, end = start): Diagnostic {
  const s = clamp(start, 0, src.text.length);
  const e = clamp(Math.max(end, s), 0, src.text.length);
  const from = src.lineCounter.linePos(s);
  const to = src.lineCounter.linePos(e);
  const d: Diagnostic = { code, message, file: src.file, line: from.line, col: from.col, excerpt: excerpt(src, s, e) };
  if (e > s) {
    d.endLine = to.line;
    d.endCol = to.col;
  }
  return d;
}

/** A diagnostic about a file as a whole (it does not exist, cannot be read): at 1:1 without excerpt. */
export function fileDiagnostic(file: string, code: string, message: string): Diagnostic {
  return { code, message, file, line: 1, col: 1, excerpt: '' };
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(Math.max(n, lo), hi);
}

function lineBounds(text: string, offset: number): [number, number] {
  const begin = text.lastIndexOf('\n', offset - 1) + 1;
  let stop = text.indexOf('\n', offset);
  if (stop === -1) stop = text.length;
  if (stop > begin && text[stop - 1] === '\r') stop--;
  return [begin, Math.max(begin, stop)];
}

/**
 * Control characters (and everything that could drive a terminal) are shown
 * as U+FFFD one for one, so columns stay aligned and a binary file cannot
 * inject escape sequences into the console.
 */
function printable(s: string): string {
  return s.replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/g, '\uFFFD');
}

function excerpt(src: SourceText, start: number, end: number): string {
  const [begin, stop] = lineBounds(src.text, start);
  if (start > stop) {
    // The span starts on a line break (e.g. "unexpected end of line"): point just past the text.
    start = stop;
  }
  const lineNo = src.lineCounter.linePos(start).line;
  let text = src.text.slice(begin, stop);
  let caretFrom = start - begin;
  let caretTo = Math.min(end, stop) - begin;
  if (caretTo <= caretFrom) caretTo = caretFrom + 1;

  if (text.length > MAX_EXCERPT_WIDTH) {
    // Keep the start of the span in view, with some context before it.
    const cutFrom = Math.max(0, Math.min(caretFrom - 20, text.length - MAX_EXCERPT_WIDTH));
    const cutTo = Math.min(text.length, cutFrom + MAX_EXCERPT_WIDTH);
    const head = cutFrom > 0 ? '…' : '';
    const tail = cutTo < text.length ? '…' : '';
    text = head + text.slice(cutFrom, cutTo) + tail;
    caretFrom = caretFrom - cutFrom + head.length;
    caretTo = Math.min(caretTo - cutFrom, cutTo - cutFrom) + head.length;
    if (caretTo <= caretFrom) caretTo = caretFrom + 1;
  }

  const gutter = String(lineNo);
  const width = Math.max(4, gutter.length + 2);
  // Tabs stay tabs in the caret line so the carets line up under tabbed text.
  const pad = text.slice(0, caretFrom).replace(/[^\t]/g, ' ');
  return [
    `${gutter.padStart(width)} | ${printable(text)}`,
    `${' '.repeat(width)} | ${pad}${'^'.repeat(caretTo - caretFrom)}`,
  ].join('\n');
}

const RED = '\u001b[31m';
const BOLD = '\u001b[1m';
const DIM = '\u001b[2m';
const RESET = '\u001b[0m';

/** `file:line:col: error[code]: message` followed by the excerpt, as compilers print it. */
export function formatDiagnostic(d: Diagnostic, opts: { color?: boolean } = {}): string {
  const where = `${d.file}:${d.line}:${d.col}`;
  const head = opts.color
    ? `${BOLD}${where}:${RESET} ${RED}${BOLD}error[${d.code}]${RESET}${BOLD}: ${d.message}${RESET}`
    : `${where}: error[${d.code}]: ${d.message}`;
  if (!d.excerpt) return head;
  if (!opts.color) return `${head}\n${d.excerpt}`;
  const [line = '', carets = ''] = d.excerpt.split('\n');
  const bar = line.indexOf(' | ') + 3;
  return `${head}\n${DIM}${line.slice(0, bar)}${RESET}${line.slice(bar)}\n${DIM}${carets.slice(0, bar)}${RESET}${RED}${carets.slice(bar)}${RESET}`;
}

/** Diagnostics in a stable order: by file, then position, then code. */
export function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  return [...ds].sort(
    (a, b) =>
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.line - b.line || a.col - b.col || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
  );
}
