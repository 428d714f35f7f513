// What a rule is and what it may use: metadata, the shared context, findings and exemptions.
import path from 'node:path';
import type { DriftConfig } from './config.ts';
import { type Block, type Doc, findLabel, type LabelForm, type Unit, unitAt } from './doc.ts';

type Label = { start: number; end: number; form: LabelForm };

import { type Notice, toPosix } from './files.ts';
import type { LiveSurfaces } from './live.ts';
import type { SourceTree } from './sources.ts';
import type { Cue, CueMatcher } from './vocabulary.ts';

export type Severity = 'error' | 'warning' | 'info';

export interface RuleMeta {
  id: string;
  description: string;
  severity: Severity;
  /** Message templates keyed by message id; `{{name}}` is filled from the report's data. */
  messages: Record<string, string>;
  /**
   * `file`: what the rule reports in a file depends on that file alone (with the config and registries),
   * so `--cache` keeps its findings per file. Otherwise it runs on every run, over every file.
   */
  scope?: 'file';
}

export interface Report {
  doc: Doc;
  offset: number;
  messageId: string;
  data: Record<string, string | number>;
  match: string;
  suggestion?: string;
  severity?: Severity;
}

export interface Finding {
  rule: string;
  severity: Severity;
  file: string;
  line: number;
  column: number;
  match: string;
  message: string;
  suggestion: string | null;
  messageId: string;
  data: Record<string, string | number>;
}

export type Exemption = 'historical' | 'retired-container' | 'retirement-note';

/** How the text around a mention presents it: exempt, as still to be removed (pending), or as live (null). */
export type Reading = Exemption | 'pending' | null;

export interface RuleContext {
  root: string;
  config: DriftConfig;
  /** The environment the check runs in (`CI` among others). */
  env: NodeJS.ProcessEnv;
  /** Positional paths narrow the check to some files. */
  narrowed: boolean;
  docs: Doc[];
  live: LiveSurfaces;
  /** Opened on first use: walking a checkout costs time only when a page points into it. */
  sources(): SourceTree[];
  /** A page by absolute path, scanned on demand when it is not among the checked files. */
  page(abs: string): Promise<Doc | undefined>;
  exists(abs: string): boolean;
  /** Ids the page's Vue components render, or undefined when they cannot be known statically. */
  componentIds(doc: Doc): Promise<Set<string> | undefined>;
  report(r: Report): void;
  /** Something the run could not check, said once; never fails the run. */
  notice(n: Notice): void;
  /** Why a mention at this offset is not presented as live, if it is not. */
  exemption(doc: Doc, offset: number): Exemption | null;
  /** The sentence (or the block it stands in) presents the mention as still there, about to be removed. */
  pending(doc: Doc, offset: number): boolean;
  /** Words of the sentence holding the offset include one of these (case-insensitive, whole words). */
  sentenceHas(doc: Doc, offset: number, words: string[]): boolean;
  today: string;
}

export interface Rule {
  meta: RuleMeta;
  check(ctx: RuleContext): void | Promise<void>;
}

/** A file named in a message: relative to the root when inside it, as configured otherwise. */
export function shownPath(root: string, file: string): string {
  return file.startsWith(root + path.sep) ? toPosix(path.relative(root, file)) : file;
}

export function format(template: string, data: Record<string, string | number>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_m, k: string) => String(data[k] ?? ''));
}

const wordCache = new Map<string, RegExp>();

export function wordsRegex(words: string[]): RegExp {
  const key = words.join('\u0000');
  let re = wordCache.get(key);
  if (!re) {
    const alts = words.map((w) =>
      w
        .trim()
        .split(/\s+/)
        .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('\\s+'),
    );
    re = new RegExp(`(?<![\\w-])(?:${alts.join('|')})(?![\\w-])`, 'i');
    wordCache.set(key, re);
  }
  return re;
}

/** The sentence holding the offset; for a code line, the line together with its own trailing comment. */
export function sentenceText(doc: Doc, offset: number): string {
  const u = unitAt(doc, offset);
  if (!u) return '';
  const own = u.with === undefined ? undefined : doc.blocks[u.with];
  return own
    ? `${doc.text.slice(u.start, u.end)} ${doc.text.slice(own.start, own.end)}`
    : doc.text.slice(u.start, u.end);
}

const cueCache = new WeakMap<Doc, Map<string, Cue | boolean>>();

/**
 * How the text presents a mention at `offset`. In order: a historical file, a `::: retired` container, a
 * retirement phrase in the sentence (or in the comment a code line carries), a done mark on an enclosing
 * block, a pending phrase in the sentence, and last the label of the innermost enclosing block that has one
 * with a cue ("**Retired.**" → a note, "**Retire `x`.**" → pending).
 */
export function readMention(doc: Doc, offset: number, cues: CueMatcher): Reading {
  if (doc.historical) return 'historical';
  const u = unitAt(doc, offset);
  if (!u) return null;
  if (u.retiredBlock) return 'retired-container';
  let memo = cueCache.get(doc);
  if (!memo) {
    memo = new Map();
    cueCache.set(doc, memo);
  }
  const cueOf = (s: number, e: number): Cue => {
    const key = `c${s}:${e}`;
    let v = memo.get(key) as Cue | undefined;
    if (v === undefined) {
      v = cues.cue(doc.text.slice(s, e));
      memo.set(key, v);
    }
    return v;
  };
  const doneIn = (b: Block): boolean => {
    if (!b.lead) return false;
    const key = `d${b.lead[0]}:${b.lead[1]}`;
    let v = memo.get(key) as boolean | undefined;
    if (v === undefined) {
      v = cues.done(doc.text.slice(b.lead[0], b.lead[1]));
      memo.set(key, v);
    }
    return v;
  };
  // A code line is read with its own trailing comment.
  const own = u.with === undefined ? undefined : doc.blocks[u.with];
  const line = cueOf(u.start, u.end);
  const comment = own ? cueOf(own.start, own.end) : null;
  const sentence = line === 'past' || comment === 'past' ? 'past' : (line ?? comment);
  if (sentence === 'past') return 'retirement-note';
  const chain = blockChain(doc, u);
  if (chain.some(doneIn)) return 'retirement-note';
  if (sentence === 'pending') return 'pending';
  for (const b of chain) {
    for (const label of labelsOf(doc, b)) {
      // A short first sentence that opens with a cue ("Removed in PR #96.") labels a list item, a quote
      // or a comment; in a paragraph of prose it is only a sentence.
      if (label.form === 'sentence' && b.kind === 'paragraph') continue;
      const cue =
        label.form === 'sentence'
          ? cues.opening(doc.text.slice(label.start, label.end))
          : cueOf(label.start, label.end);
      if (cue === 'past') return 'retirement-note';
      if (cue === 'pending') return 'pending';
    }
  }
  return null;
}

const labelCache = new WeakMap<Block, Label[]>();

/** A block's labels: its title line, and the label its first paragraph opens with, if any. */
function labelsOf(doc: Doc, b: Block): Label[] {
  let labels = labelCache.get(b);
  if (!labels) {
    labels = [];
    if (b.title) labels.push({ start: b.title[0], end: b.title[1], form: 'mark' });
    const lead = b.lead && findLabel(doc.text, b.lead[0], b.lead[1]);
    if (lead) labels.push(lead);
    labelCache.set(b, labels);
  }
  return labels;
}

function blockChain(doc: Doc, u: Unit): Block[] {
  const out: Block[] = [];
  for (let i = u.block; i !== undefined; ) {
    const b = doc.blocks[i];
    if (!b) break;
    out.push(b);
    i = b.parent;
  }
  return out;
}

export function classify(doc: Doc, offset: number, cues: CueMatcher): Exemption | null {
  const r = readMention(doc, offset, cues);
  return r === 'pending' ? null : r;
}
