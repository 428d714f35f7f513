// Long identifiers (BROKER_OIDC_JWT_TTL_SECONDS, crates/…/mint.rs) may wrap only at their own separators:
// a <wbr> after `_` and `/` gives the browser those break points (it already breaks after `-`), so narrow
// columns never split a name in the middle of a word.

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/**
 * Adds a break opportunity after `_` and `/` in the text of an HTML fragment, never inside a tag, and takes
 * away the one Chromium sees between `:` and `<` (as in `arn:aws:iam::<ACCOUNT_ID>`) with a word joiner.
 */
export function breakable(html: string): string {
  return html
    .replace(/(<[^>]*>)|([_/]+)(?=[^\s<_/])/g, (match, tag: string | undefined, run: string) =>
      tag === undefined ? `${run}<wbr>` : match,
    )
    .replace(/:&lt;/g, ':\u2060&lt;');
}

/** Plain text, escaped for v-html, with the same break opportunities. */
export function breakableText(text: string): string {
  return breakable(text.replace(/[&<>"]/g, (c) => entities[c] ?? c));
}
