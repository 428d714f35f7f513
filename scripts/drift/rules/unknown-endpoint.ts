// unknown-endpoint: a /v1/… path that is neither in the OpenAPI contract nor retired.
import { routeMatcher, splitEndpoint } from '../match.ts';
import { type Rule, shownPath } from '../rule.ts';

// A segment is path characters, a `{param}` or a TypeScript `${expression}`; a `*` segment is a wildcard.
const V1_PATH = /\/v1(?:\/(?:(?:[\w\-.~%{}:]|\$\{[^}\s`]+\})+|\*{1,2}(?![\w*])))+/g;

export const rule: Rule = {
  meta: {
    id: 'unknown-endpoint',
    description: 'A /v1/… path is neither in the OpenAPI contract nor retired.',
    scope: 'file',
    severity: 'warning',
    messages: {
      unknown: '`{{path}}` is not in the OpenAPI contract ({{contract}}) and not retired in drift.yaml',
      unknownPrefix:
        '`{{path}}` stands for no path of the OpenAPI contract ({{contract}}) and no endpoint retired in drift.yaml',
    },
  },
  check(ctx) {
    if (!ctx.config.openapi) return;
    const contract = shownPath(ctx.root, ctx.config.openapi);
    const known = [
      ...ctx.live.endpoints.map((e) => e.path),
      ...ctx.config.retired.filter((r) => r.kind === 'endpoint').map((r) => splitEndpoint(r.value).path),
    ];
    const isKnown = routeMatcher(known);
    for (const doc of ctx.docs) {
      if (!doc.text.includes('/v1/')) continue;
      for (const m of doc.text.matchAll(V1_PATH)) {
        // Trailing punctuation ends a sentence, not the path.
        const p = m[0].replace(/[.:]+$/, '');
        if (isKnown(p)) continue;
        if (ctx.exemption(doc, m.index as number)) continue;
        ctx.report({
          doc,
          offset: m.index as number,
          match: p,
          messageId: p.includes('*') ? 'unknownPrefix' : 'unknown',
          data: { path: p, contract },
        });
      }
    }
  },
};
