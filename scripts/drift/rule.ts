// What a rule is and what it may use: metadata, the shared context, findings and exemptions.
import path from 'node:path';
import type { DriftConfig } from './config.ts';
import type { Doc } from './doc.ts';
import { unitAt } from './doc.ts';
import { type Notice, toPosix } from './files.ts';
import type { LiveSurfaces } from './live.ts';
import type { SourceTree } from './sources.ts';

export type Severity = 'error' | 'warning' | 'info';

export interface RuleMeta {
  id: string;
  description: string;
  severity: Severity;
  /** Message templates keyed by message id; `{{name}}` is filled from the report's data. */
  messages: Record<string, string>;
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

export function sentenceText(doc: Doc, offset: number): string {
  const u = unitAt(doc, offset);
  return u ? doc.text.slice(u.start, u.end) : '';
}

export function classify(doc: Doc, offset: number, retirementWords: string[]): Exemption | null {
  if (doc.historical) return 'historical';
  const u = unitAt(doc, offset);
  if (u?.retiredBlock) return 'retired-container';
  if (u && wordsRegex(retirementWords).test(doc.text.slice(u.start, u.end))) return 'retirement-note';
  return null;
}
