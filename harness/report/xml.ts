/**
 * Just enough XML writing for junit.xml: escaping and elements. Hand-written
 * rather than a dependency because the whole need is the two functions
 * below, and they must also drop what XML 1.0 cannot hold at all, which a
 * target's stderr or a diff can contain (escape sequences, NUL, lone
 * surrogates): such characters are invalid even as character references.
 */

/** Characters outside XML 1.0's `Char` production (§2.2), lone surrogates included. */
const ILLEGAL = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function stripIllegalXmlChars(text: string): string {
  return text.replace(ILLEGAL, '');
}

/** Escapes text content. `>` too, so that `]]>` can never appear. */
export function escapeText(text: string): string {
  return stripIllegalXmlChars(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Escapes an attribute value for double quotes. Tabs and line breaks become
 * character references, since a parser would otherwise normalize them to
 * spaces (§3.3.3) and a multi-line message would lose its lines.
 */
export function escapeAttr(text: string): string {
  return escapeText(text)
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

export type Attrs = Record<string, string | number | undefined>;

/** Attributes in the given order; undefined ones are left out. */
export function attrs(a: Attrs): string {
  return Object.entries(a)
    .filter((e): e is [string, string | number] => e[1] !== undefined)
    .map(([k, v]) => ` ${k}="${escapeAttr(String(v))}"`)
    .join('');
}

/** An element with text content (or empty). */
export function element(name: string, a: Attrs, text?: string): string {
  if (text === undefined || text === '') return `<${name}${attrs(a)}/>`;
  return `<${name}${attrs(a)}>${escapeText(text)}</${name}>`;
}
