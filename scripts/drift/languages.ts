// Which comment syntax each scanned language uses, so directives are read in the file's own syntax.

export interface CommentSyntax {
  /** Line comment markers, e.g. `//` or `#`. */
  line: string[];
  /** Block comment delimiters, e.g. `/*` and `*\/`. */
  block: [string, string][];
}

const C_LIKE: CommentSyntax = { line: ['//'], block: [['/*', '*/']] };
const HASH: CommentSyntax = { line: ['#'], block: [] };
const HTML: CommentSyntax = { line: [], block: [['<!--', '-->']] };
const NONE: CommentSyntax = { line: [], block: [] };

export const SYNTAX: Record<string, CommentSyntax> = {
  markdown: HTML,
  typescript: C_LIKE,
  javascript: C_LIKE,
  vue: {
    line: ['//'],
    block: [
      ['/*', '*/'],
      ['<!--', '-->'],
    ],
  },
  rust: C_LIKE,
  go: C_LIKE,
  python: HASH,
  shell: HASH,
  yaml: HASH,
  toml: HASH,
  json: NONE,
  html: HTML,
  css: { line: [], block: [['/*', '*/']] },
  // Plain text has no comments: a directive counts wherever it stands on its line.
  plain: NONE,
};

const BY_EXTENSION: Record<string, string> = {
  md: 'markdown',
  markdown: 'markdown',
  ts: 'typescript',
  tsx: 'typescript',
  mts: 'typescript',
  cts: 'typescript',
  js: 'javascript',
  jsx: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  vue: 'vue',
  rs: 'rust',
  go: 'go',
  py: 'python',
  sh: 'shell',
  bash: 'shell',
  zsh: 'shell',
  yml: 'yaml',
  yaml: 'yaml',
  toml: 'toml',
  json: 'json',
  jsonc: 'typescript',
  html: 'html',
  css: 'css',
};

/** Fence info strings name languages too (```bash, ```rust); map them the same way. */
const ALIASES: Record<string, string> = {
  md: 'markdown',
  ts: 'typescript',
  js: 'javascript',
  rs: 'rust',
  py: 'python',
  sh: 'shell',
  bash: 'shell',
  zsh: 'shell',
  console: 'shell',
  shellscript: 'shell',
  yml: 'yaml',
  jsonc: 'typescript',
  json5: 'typescript',
  golang: 'go',
};

export function languageOf(file: string): string {
  const base = file.slice(file.lastIndexOf('/') + 1).toLowerCase();
  if (base === 'dockerfile' || base === 'makefile' || base.startsWith('.env')) return 'shell';
  const dot = base.lastIndexOf('.');
  if (dot === -1) return 'plain';
  return BY_EXTENSION[base.slice(dot + 1)] ?? 'plain';
}

export function languageOfFence(info: string): string {
  const word = (info.trim().split(/[\s{[:]/)[0] ?? '').toLowerCase();
  return ALIASES[word] ?? (SYNTAX[word] ? word : 'plain');
}

export function syntaxOf(language: string): CommentSyntax {
  return SYNTAX[language] ?? NONE;
}
