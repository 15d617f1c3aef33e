import { createHash } from 'node:crypto';
import { esc } from './escape.js';

/**
 * The `<head>` of every HTML report page. The pages are single files that
 * fetch nothing: the Content-Security-Policy allows only their own inline
 * style and script, each by its hash, and the favicon is a data: URL so
 * that the browser does not ask for /favicon.ico.
 */
export interface PageHead {
  title: string;
  style: string;
  /** The page's inline script, if it has one (placed by the page itself). */
  script?: string;
  /** Content of `<meta name="generator">`. */
  generator?: string;
}

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

export function pageHead(h: PageHead): string {
  const csp = [
    "default-src 'none'",
    `style-src ${sha256(h.style)}`,
    ...(h.script === undefined ? [] : [`script-src ${sha256(h.script)}`]),
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  // Written as it is: the policy holds no character that needs escaping in an attribute (base64 has none).
  return `<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
${h.generator === undefined ? '' : `<meta name="generator" content="${esc(h.generator)}">\n`}<title>${esc(h.title)}</title>
<link rel="icon" href="data:,">
<style>${h.style}</style>
</head>`;
}
