// `drift mentions "<surface>"`: every place a surface is mentioned — the work list for retiring it.

import { type CheckOptions, prepare } from './check.ts';
import type { RetiredSurface, SurfaceKind } from './config.ts';
import { positionOf, unitAt } from './doc.ts';
import { findSurface } from './match.ts';
import { readMention } from './rule.ts';
import { cuesFor } from './vocabulary.ts';

export interface MentionHit {
  file: string;
  line: number;
  column: number;
  match: string;
  /** Why the mention is not presented as live, or null when it reads as live. */
  exemption: string | null;
  /** The text says the surface is still there and about to be removed. */
  pending: boolean;
  text: string;
}

export function guessKind(surface: string): SurfaceKind {
  const s = surface.trim();
  if (/^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+\//i.test(s) || /^\/[\w{:]/.test(s)) return 'endpoint';
  if (/\//.test(s) && /\.\w+$/.test(s)) return 'file';
  if (/^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/.test(s)) return 'env';
  if (/^[A-Z][a-z]+(?:-[A-Z][a-z]*)+$/.test(s)) return 'header';
  if (/\s|-/.test(s)) return 'term';
  return 'symbol';
}

export async function mentions(surface: string, options: CheckOptions = {}, kind?: SurfaceKind) {
  const p = await prepare(options);
  const known = p.config.retired.find((r) => r.value === surface.trim());
  const s: RetiredSurface = known ?? {
    kind: kind ?? guessKind(surface),
    value: surface.trim(),
    description: '',
  };
  const hits: MentionHit[] = [];
  const cues = cuesFor(p.config);
  for (const doc of p.docs) {
    const lower = s.kind === 'header' || s.kind === 'term' ? doc.text.toLowerCase() : undefined;
    for (const m of findSurface(doc.text, s, [], lower)) {
      const { line, column } = positionOf(doc.lineStarts, m.start);
      const u = unitAt(doc, m.start);
      const reading = readMention(doc, m.start, cues);
      const lineStart = doc.lineStarts[line - 1] ?? 0;
      const lineEnd = doc.text.indexOf('\n', lineStart);
      hits.push({
        file: doc.path,
        line,
        column,
        match: m.text,
        exemption: reading === 'pending' ? null : reading,
        pending: reading === 'pending',
        text:
          doc.text.slice(lineStart, lineEnd === -1 ? undefined : lineEnd).trim() ||
          (u ? doc.text.slice(u.start, u.end) : ''),
      });
    }
  }
  return { surface: s, hits, notices: p.notices };
}
