// The retirement vocabulary (vocabulary.yaml beside this file): which phrases make a sentence a retirement
// note, which make it a pending removal, and which marks say a to-do is done.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';

const phrases = z.array(z.string().trim().min(1));
const schema = z.strictObject({ retirement: phrases, pending: phrases, done: phrases });

export type Vocabulary = z.infer<typeof schema>;

let loaded: Vocabulary | undefined;

/** The vocabulary file next to the checker (the build copies it beside the bundle). */
export const VOCABULARY_URL = new URL('./vocabulary.yaml', import.meta.url);

/** The vocabulary as shipped, read once. */
export function vocabulary(): Vocabulary {
  loaded ??= schema.parse(parse(readFileSync(VOCABULARY_URL, 'utf8')));
  return loaded;
}

/** What a stretch of text says about a surface it names. */
export type Cue = 'past' | 'pending' | null;

export interface CueMatcher {
  /** The cue a sentence carries: the earliest phrase decides, the longer of two at one word. */
  cue(text: string): Cue;
  /** The cue of a phrase that opens the text (after marks and blanks), as in a label: "Removed in PR #96." */
  opening(text: string): Cue;
  /** Whether the text holds a done mark. */
  done(text: string): boolean;
}

/** Blanks between a phrase's words: any run of blanks and line breaks, with the markers of a wrapped line. */
const GAP = String.raw`(?:\s|(?<=\n[ \t]*)(?:\/\/[\/!]?|\/?\*+|#|>|<!--|--))+`;

export function phrasePattern(phrase: string): string {
  return phrase
    .trim()
    .split(/\s+/)
    .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join(GAP);
}

export function cueMatcher(v: Vocabulary): CueMatcher {
  const entries = [
    ...v.retirement.map((p) => ({ p, kind: 'past' as const })),
    ...v.pending.map((p) => ({ p, kind: 'pending' as const })),
  ];
  const kindOf = new Map<string, 'past' | 'pending'>();
  // The same phrase in both lists (an extension may add one) counts as past: the safer reading of a note.
  for (const e of entries)
    if (!kindOf.has(e.p.toLowerCase()) || e.kind === 'past') kindOf.set(e.p.toLowerCase(), e.kind);
  const sorted = [...kindOf.keys()].sort((a, b) => b.length - a.length);
  const re =
    sorted.length === 0
      ? null
      : new RegExp(`(?<![\\w-])(?:${sorted.map(phrasePattern).join('|')})(?![\\w-])`, 'gi');
  const normal = (s: string) => s.toLowerCase().replace(new RegExp(GAP, 'g'), ' ').trim();
  const first =
    sorted.length === 0
      ? null
      : new RegExp(`^[^\\p{L}\\p{N}]*(${sorted.map(phrasePattern).join('|')})(?![\\w-])`, 'iu');
  const marks = v.done.map((d) => d.toLowerCase());
  return {
    cue(text) {
      if (!re) return null;
      re.lastIndex = 0;
      let pending = false;
      for (const m of text.matchAll(re)) {
        const kind = kindOf.get(normal(m[0]));
        if (kind === 'past') return 'past';
        if (kind === 'pending') pending = true;
      }
      return pending ? 'pending' : null;
    },
    opening(text) {
      const m = first?.exec(text);
      return m ? (kindOf.get(normal(m[1] as string)) ?? null) : null;
    },
    done(text) {
      const lower = text.toLowerCase();
      return marks.some((m) => lower.includes(m));
    },
  };
}

const forConfig = new WeakMap<object, CueMatcher>();

/** The vocabulary with drift.yaml's changes: `retirementWords` replaces the retirement list, `terms` adds. */
export function cuesFor(config: {
  retirementWords?: string[];
  extraCues: { retirement: string[]; pending: string[] };
}): CueMatcher {
  let m = forConfig.get(config);
  if (!m) {
    const v = vocabulary();
    m = cueMatcher({
      retirement: [...(config.retirementWords ?? v.retirement), ...config.extraCues.retirement],
      pending: [...v.pending, ...config.extraCues.pending],
      done: v.done,
    });
    forConfig.set(config, m);
  }
  return m;
}
