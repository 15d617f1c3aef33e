/**
 * An ad hoc server given on the command line (`--server 'socat
 * TCP-LISTEN:{port},bind={addr},fork EXEC:cat'`): split into words the way a
 * POSIX shell would split them (quotes and backslashes, no expansion, no
 * operators), with `{addr}` and `{port}` filled in per lab.
 */

export interface ServerCommand {
  /** The command as the user wrote it, for messages. */
  text: string;
  words: string[];
  argv(values: { addr: string; port: number }): string[];
}

const PLACEHOLDER = /\{([a-z]+)\}/g;
const KNOWN = new Set(['addr', 'port']);

/** Splits `text`; an error message says what is wrong and at which column (1-based). */
export function parseServerCommand(text: string): { command?: ServerCommand; error?: string } {
  const words: string[] = [];
  // undefined between words; a quoted empty string ('') is still a word.
  let word: string | undefined;
  let quote: '"' | "'" | undefined;
  let quoteAt = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word = (word ?? '') + c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1]!)) word = (word ?? '') + text[++i];
      else word = (word ?? '') + c;
    } else if (c === "'" || c === '"') {
      quote = c;
      quoteAt = i + 1;
      word ??= '';
    } else if (c === '\\') {
      if (i + 1 >= text.length) return { error: `--server: a backslash ends the command (column ${i + 1})` };
      word = (word ?? '') + text[++i];
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (quote) return { error: `--server: the ${quote} quote at column ${quoteAt} is never closed` };
  if (word !== undefined) words.push(word);
  if (words.length === 0) return { error: '--server: the command is empty; give the server program and its arguments' };
  for (const w of words) {
    for (const m of w.matchAll(PLACEHOLDER)) {
      if (!KNOWN.has(m[1]!)) return { error: `--server: unknown placeholder {${m[1]}} in "${w}"; known: {addr} {port}` };
    }
  }
  if (!words.some((w) => w.includes('{port}')))
    return { error: '--server: the command must contain {port}, the port the server is to listen on (and may contain {addr}, its address)' };
  return {
    command: {
      text,
      words,
      argv: ({ addr, port }) => words.map((w) => w.replace(PLACEHOLDER, (_, name: string) => (name === 'addr' ? addr : String(port)))),
    },
  };
}
