// Facts out of text: comments (and Rust `#[cfg(test)]` items) are blanked first, so a mention there is no fact.
import { syntaxOf } from './languages.ts';

export interface Fact {
  /** The first non-empty capture group of a match. */
  value: string;
  /** Offset of that group in the text. */
  offset: number;
}

interface Lexer {
  line: string[];
  block: [string, string][];
  /** Rust block comments nest. */
  nested: boolean;
  /** Characters that open a string literal. */
  quotes: string;
  rust: boolean;
  /** `#` and quotes start a comment or a string only after a blank or an opening mark (`don't`, `$#`). */
  wordAware: boolean;
  /** `'''` and `"""` strings. */
  triple: boolean;
  /** Quotes whose strings may span lines. */
  multiline: string;
  /** Where something may start (a comment, a string, a Rust raw string or char): the walk jumps between these. */
  next: RegExp;
}

const lexers = new Map<string, Lexer>();

function lexerOf(language: string): Lexer {
  let lx = lexers.get(language);
  if (!lx) {
    const made = makeLexer(language);
    const starts = [...made.line, ...made.block.map((b) => b[0]), ...made.quotes.split('')];
    const alternatives = [...new Set(starts)].map((m) => m.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
    // Rust: a raw string (r"…", br#"…"#, cr"…") and a char literal or lifetime.
    if (made.rust) alternatives.push('[bc]?r#*"', "'");
    lx = { ...made, next: new RegExp(alternatives.length > 0 ? alternatives.join('|') : '$^', 'g') };
    lexers.set(language, lx);
  }
  return lx;
}

function makeLexer(language: string): Omit<Lexer, 'next'> {
  const syntax = syntaxOf(language);
  const base: Omit<Lexer, 'next'> = {
    line: syntax.line,
    block: syntax.block,
    nested: false,
    quotes: '',
    rust: false,
    wordAware: false,
    triple: false,
    multiline: '',
  };
  switch (language) {
    case 'rust':
      return { ...base, nested: true, quotes: '"', rust: true, multiline: '"' };
    case 'typescript':
    case 'javascript':
    case 'vue':
      return { ...base, quotes: `'"\``, multiline: '`' };
    case 'go':
      return { ...base, quotes: `'"\``, multiline: '`' };
    case 'python':
      return { ...base, quotes: `'"`, triple: true };
    case 'shell':
    case 'yaml':
    case 'toml':
      return { ...base, quotes: `'"`, wordAware: true, multiline: language === 'shell' ? `'"` : '' };
    default:
      return base;
  }
}

const WORD = /[\w$]/;

/**
 * The text with every comment replaced by spaces (line breaks kept, so offsets and lines stay), and a
 * skeleton where string contents are blanked too, for finding the braces that close an item.
 */
export function mask(text: string, language: string): { code: string; skeleton: string } {
  const code = text.split('');
  const skeleton = text.split('');
  const blank = (a: string[], from: number, to: number) => {
    for (let k = from; k < to; k++) if (a[k] !== '\n' && a[k] !== '\r') a[k] = ' ';
  };
  lex(text, language, {
    comment(from, to) {
      blank(code, from, to);
      blank(skeleton, from, to);
    },
    string(from, to) {
      blank(skeleton, from, to);
    },
  });
  const out = { code: code.join(''), skeleton: skeleton.join('') };
  if (language === 'rust') blankTestItems(out);
  return out;
}

/** Every comment of the text as [start, end): line comments end before their line break. */
export function commentRanges(
  text: string,
  language: string,
  from = 0,
  to = text.length,
): [number, number][] {
  const out: [number, number][] = [];
  lex(text, language, { comment: (s, e) => out.push([s, e]), string() {} }, from, to);
  return out;
}

/** Walks the text as the language's lexer would, reporting comments and string contents; strings are honoured. */
function lex(
  text: string,
  language: string,
  on: { comment(from: number, to: number): void; string(from: number, to: number): void },
  start = 0,
  n = text.length,
): void {
  const lx = lexerOf(language);
  const afterBlank = (i: number) => i === 0 || /[\s([{,=:;|&]/.test(text[i - 1] as string);
  /** End of a string that opened at `i` with `q`, escapes honoured: the offset after the closing quote. */
  const stringEnd = (i: number, q: string, multiline: boolean): number => {
    // Shell and YAML single-quoted strings know no backslash escapes.
    const escapes = !(lx.wordAware && q === "'");
    let k = i + 1;
    while (k < n) {
      const c = text[k];
      if (c === '\\' && escapes) k += 2;
      // YAML writes a quote inside a single-quoted string as ''; in shell, '' joins two strings.
      else if (c === q && !escapes && text[k + 1] === q) k += 2;
      else if (c === q) return k + 1;
      else if (c === '\n' && !multiline) return k;
      else k++;
    }
    return n;
  };
  let i = start;
  const next = lx.next;
  outer: while (i < n) {
    // Jump to the next place where a comment or a string may start; nothing else matters here.
    next.lastIndex = i;
    const hit = next.exec(text);
    if (!hit || hit.index >= n) return;
    i = hit.index;
    const c = text[i] as string;
    for (const m of lx.line) {
      if (text.startsWith(m, i) && (!lx.wordAware || afterBlank(i))) {
        let j = text.indexOf('\n', i);
        if (j === -1 || j > n) j = n;
        on.comment(i, j);
        i = j;
        continue outer;
      }
    }
    for (const [open, close] of lx.block) {
      if (!text.startsWith(open, i)) continue;
      let depth = 1;
      let j = i + open.length;
      while (j < n && depth > 0) {
        if (lx.nested && text.startsWith(open, j)) {
          depth++;
          j += open.length;
        } else if (text.startsWith(close, j)) {
          depth--;
          j += close.length;
        } else j++;
      }
      on.comment(i, j);
      i = j;
      continue outer;
    }
    if (lx.rust) {
      const raw = c === 'r' || c === 'b' || c === 'c' ? /^(?:b|c)?r(#*)"/.exec(text.slice(i, i + 40)) : null;
      if (raw && (i === 0 || !WORD.test(text[i - 1] as string))) {
        const closing = `"${raw[1]}`;
        const at = text.indexOf(closing, i + raw[0].length);
        const end = at === -1 ? n : at + closing.length;
        on.string(i + raw[0].length, end - closing.length);
        i = end;
        continue;
      }
      if (c === "'") {
        // A char literal ('x', '\n', '"') or a lifetime ('a): only the former holds a quote to skip.
        let end = -1;
        if (text[i + 1] === '\\') end = text.indexOf("'", i + 3);
        else {
          const cp = text.codePointAt(i + 1) ?? 0;
          const width = cp > 0xffff ? 2 : 1;
          if (text[i + 1 + width] === "'") end = i + 1 + width;
        }
        if (end !== -1) {
          on.string(i + 1, end);
          i = end + 1;
          continue;
        }
        i++;
        continue;
      }
    }
    if (lx.quotes.includes(c) && (!lx.wordAware || afterBlank(i))) {
      if (lx.triple && text.startsWith(c.repeat(3), i)) {
        const at = text.indexOf(c.repeat(3), i + 3);
        const end = at === -1 ? n : at + 3;
        on.string(i + 3, Math.max(i + 3, end - 3));
        i = end;
        continue;
      }
      const end = stringEnd(i, c, lx.multiline.includes(c));
      on.string(i + 1, Math.max(i + 1, end - 1));
      i = end;
      continue;
    }
    i++;
  }
}

const CFG_TEST = /#\s*\[\s*cfg\s*\(\s*test\s*\)\s*\]/g;

/** Blanks every item a `#[cfg(test)]` attribute guards: it is compiled only for the crate's tests. */
function blankTestItems(m: { code: string; skeleton: string }): void {
  const sk = m.skeleton;
  const ranges: [number, number][] = [];
  for (const hit of sk.matchAll(CFG_TEST)) {
    const start = hit.index as number;
    if (ranges.some(([a, b]) => start >= a && start < b)) continue;
    let k = start + hit[0].length;
    let end = sk.length;
    let depth = 0;
    for (; k < sk.length; k++) {
      const c = sk[k];
      if (c === '{' || c === '(' || c === '[') depth++;
      else if (c === '}' || c === ')' || c === ']') {
        depth--;
        if (depth === 0 && c === '}') {
          end = k + 1;
          break;
        }
      } else if (c === ';' && depth === 0) {
        end = k + 1;
        break;
      }
    }
    ranges.push([start, end]);
  }
  if (ranges.length === 0) return;
  const blankAll = (s: string) => {
    const a = s.split('');
    for (const [from, to] of ranges) for (let k = from; k < to; k++) if (a[k] !== '\n') a[k] = ' ';
    return a.join('');
  };
  m.code = blankAll(m.code);
  m.skeleton = blankAll(m.skeleton);
}

/** Every fact the extractor finds in [from, to) of the masked text: its first non-empty group. */
export function extractFacts(code: string, re: RegExp, from = 0, to = code.length): Fact[] {
  const out: Fact[] = [];
  const part = code.slice(from, to);
  re.lastIndex = 0;
  for (const m of part.matchAll(re)) {
    const k = m.findIndex((g, idx) => idx > 0 && g !== undefined && g !== '');
    if (k === -1) continue;
    const at = m.indices?.[k]?.[0] ?? m.index ?? 0;
    out.push({ value: m[k] as string, offset: from + at });
  }
  return out;
}
