// deprecated-term: a deprecated name used outside the context its entry allows.
import { findWord } from '../match.ts';
import type { Rule } from '../rule.ts';

export const rule: Rule = {
  meta: {
    id: 'deprecated-term',
    description: 'A deprecated term is used outside its allowed context.',
    scope: 'file',
    severity: 'warning',
    messages: {
      deprecated: '"{{term}}" is deprecated; say "{{prefer}}"',
      deprecatedWithContext:
        '"{{term}}" is deprecated; say "{{prefer}}", or mark this sentence as {{allowed}}',
    },
  },
  check(ctx) {
    for (const doc of ctx.docs) {
      if (doc.historical) continue;
      const lower = doc.text.toLowerCase();
      for (const t of ctx.config.terms) {
        for (const m of findWord(doc.text, t.deprecated, 'term', lower)) {
          const why = ctx.exemption(doc, m.start);
          if (why === 'historical' || why === 'retired-container') continue;
          if (t.allowNear.length > 0 && ctx.sentenceHas(doc, m.start, t.allowNear)) continue;
          const allowed = t.allowNear.map((w) => `"${w}"`).join(' or ');
          ctx.report({
            doc,
            offset: m.start,
            match: m.text,
            messageId: t.allowNear.length > 0 ? 'deprecatedWithContext' : 'deprecated',
            data: { term: t.deprecated, prefer: t.prefer, allowed },
            suggestion: t.prefer,
          });
        }
      }
    }
  },
};
