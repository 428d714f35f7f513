// Ignore directives: reading them in a comment syntax, pairing start/end, expiry, and suppression.
import { type Directive, type DirectiveKind, escapeRegExp, type RawDirective } from './doc.ts';
import type { CommentSyntax } from './languages.ts';

export type { RawDirective };

const cache = new Map<string, RegExp>();

function directiveRegex(syntax: CommentSyntax | null): RegExp {
  const key = syntax ? [...syntax.line, ...syntax.block.map((b) => b[0])].join('\u0000') : '*';
  let re = cache.get(key);
  if (!re) {
    const openers = syntax ? [...syntax.line, ...syntax.block.map((b) => b[0])] : [];
    // Doc-comment variants (///, //!, /**, #!) start with the plain marker; allow the extra characters.
    const lead = syntax ? `(?:${openers.map(escapeRegExp).join('|')})[/!*#-]*[ \\t]*` : '';
    re = new RegExp(`${lead}drift-ignore-(next-line|line|start|end)(?![\\w-])([^\\n]*)`, 'g');
    cache.set(key, re);
  }
  re.lastIndex = 0;
  return re;
}

const QUOTES = ["'", '"', '`'];

function insideString(before: string, quotes: string[]): boolean {
  for (const q of quotes) if ((before.split(q).length - 1) % 2 === 1) return true;
  return false;
}

/**
 * Reads the directive on one line, if any. `syntax` null means plain text: the directive counts
 * wherever it stands. A syntax without markers (JSON) never holds directives.
 */
export function readDirective(
  lineText: string,
  line: number,
  syntax: CommentSyntax | null,
): RawDirective | null {
  if (!lineText.includes('drift-ignore-')) return null;
  if (syntax && syntax.line.length === 0 && syntax.block.length === 0) return null;
  const re = directiveRegex(syntax);
  let m = re.exec(lineText);
  // A marker inside a string literal ('// …') is not a comment: odd quote counts before it mean a string.
  // In Markdown, a comment inside a `code span` is shown, not obeyed.
  while (m && syntax && insideString(lineText.slice(0, m.index), m[0].startsWith('<!--') ? ['`'] : QUOTES)) {
    m = re.exec(lineText);
  }
  if (!m) return null;
  let rest = m[2] ?? '';
  for (const [, close] of syntax?.block ?? []) {
    const at = rest.indexOf(close);
    if (at !== -1) rest = rest.slice(0, at);
  }
  rest = rest.replace(/\*\/|-->/g, '').trim();
  let until: string | undefined;
  let badUntil = false;
  rest = rest
    .replace(/(?:^|\s)until=(\S*)/, (_all, value: string) => {
      until = value;
      badUntil = !/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`));
      return ' ';
    })
    .trim();
  const column = m.index + (m[0].indexOf('drift-ignore-') ?? 0) + 1;
  return { kind: m[1] as DirectiveKind, line, column, reason: rest, until, badUntil };
}

/** Pairs start/end, computes the suppressed line ranges and marks expired directives. */
export function resolveDirectives(raw: RawDirective[], today: string): Directive[] {
  const out: Directive[] = [];
  const open: Directive[] = [];
  for (const r of raw) {
    const expired = r.until !== undefined && !r.badUntil && r.until < today;
    const d: Directive = { ...r, expired, used: false };
    if (r.kind === 'next-line') {
      d.from = r.line + 1;
      d.to = r.line + 1;
    } else if (r.kind === 'line') {
      d.from = r.line;
      d.to = r.line;
    } else if (r.kind === 'start') {
      d.closed = false;
      open.push(d);
    } else {
      const start = open.pop();
      if (start) {
        start.closed = true;
        start.from = start.line;
        start.to = r.line;
        d.closed = true;
      } else d.closed = false;
    }
    out.push(d);
  }
  return out;
}

/** Whether a finding on `line` is suppressed; marks the directive used. Expired directives never suppress. */
export function suppress(directives: Directive[], line: number): boolean {
  let hit = false;
  for (const d of directives) {
    if (d.from === undefined || d.to === undefined || d.expired) continue;
    if (line >= d.from && line <= d.to) {
      d.used = true;
      hit = true;
    }
  }
  return hit;
}
