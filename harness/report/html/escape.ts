/**
 * HTML escaping. Everything in the page that comes from a results file
 * (titles, reasons, a target's stderr) is text, never markup: a spec title
 * with `<script>` in it shows those characters and runs nothing.
 */

/** Controls other than tab and line breaks (terminal escapes in stderr) would show as boxes or break XML tools. */
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g;

export function esc(text: string | number): string {
  return String(text)
    .replace(CONTROL, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** An id for an element: spec ids are free text, ids must not hold spaces. */
export function domId(prefix: string, name: string): string {
  return `${prefix}-${name.replace(/[^A-Za-z0-9_.-]/g, (c) => `_${c.codePointAt(0)!.toString(16)}_`)}`;
}

export { ms } from '../time.js';
