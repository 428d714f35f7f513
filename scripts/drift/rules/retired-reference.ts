// retired-reference: a retired endpoint, file, symbol, env var, header or term presented as live.
import { findSurface } from '../match.ts';
import type { Rule } from '../rule.ts';

const KIND_NAMES = {
  endpoint: 'endpoint',
  file: 'file',
  symbol: 'symbol',
  env: 'env var',
  header: 'header',
  term: 'name',
} as const;

export const rule: Rule = {
  meta: {
    id: 'retired-reference',
    description: 'A retired surface is mentioned as if it were live.',
    scope: 'file',
    severity: 'error',
    messages: {
      retired: '{{kind}} `{{surface}}` was retired ({{removed}}); use {{replacement}} instead',
      retiredNoReplacement:
        '{{kind}} `{{surface}}` was retired ({{removed}}) and nothing replaces it{{note}}',
      pendingRemoval:
        'says {{kind}} `{{surface}}` still exists and is yet to be removed; it was retired ({{removed}})',
    },
  },
  check(ctx) {
    const surfaces = ctx.config.retired;
    for (const doc of ctx.docs) {
      const needsLower = surfaces.some((s) => s.kind === 'header' || s.kind === 'term');
      const lower = needsLower ? doc.text.toLowerCase() : undefined;
      for (const s of surfaces) {
        for (const m of findSurface(doc.text, s, ctx.live.endpoints, lower)) {
          if (ctx.exemption(doc, m.start)) continue;
          const none = /^(?:none|nothing)\b[;:,.]?\s*/i.exec(s.replacement ?? 'none');
          const data = {
            kind: KIND_NAMES[s.kind],
            surface: s.value,
            removed: s.removed ?? 'no date recorded',
            replacement: s.replacement ?? '',
            note: none
              ? (s.replacement ?? '').slice(none[0].length)
                ? `; ${(s.replacement ?? '').slice(none[0].length)}`
                : ''
              : '',
          };
          if (ctx.pending(doc, m.start)) {
            ctx.report({
              doc,
              offset: m.start,
              match: m.text,
              messageId: 'pendingRemoval',
              data,
              suggestion: `Mark it done, in the past tense (retired: ${data.removed}), or drop the item.`,
            });
            continue;
          }
          ctx.report({
            doc,
            offset: m.start,
            match: m.text,
            messageId: none ? 'retiredNoReplacement' : 'retired',
            data,
            suggestion: none
              ? `Remove the mention, or say in the same sentence that it was retired (${data.removed}).`
              : `Use ${data.replacement}.`,
          });
        }
      }
    }
  },
};
