// unknown-env: a BROKER_* or AGENTKEYS_* name that is neither in the env reference nor retired.
import { type Rule, shownPath } from '../rule.ts';

const ENV_NAME = /(?<![A-Za-z0-9_])(?:BROKER|AGENTKEYS)_[A-Z0-9_]*[A-Z0-9](?![A-Za-z0-9_])/g;

export const rule: Rule = {
  meta: {
    id: 'unknown-env',
    description: 'A BROKER_* or AGENTKEYS_* name is neither in the env reference nor retired.',
    scope: 'file',
    severity: 'warning',
    messages: {
      unknown: '`{{name}}` is not in the env reference ({{reference}}) and not retired in drift.yaml',
    },
  },
  check(ctx) {
    if (!ctx.config.envFile) return;
    const reference = shownPath(ctx.root, ctx.config.envFile);
    const retired = new Set(ctx.config.retired.filter((r) => r.kind === 'env').map((r) => r.value));
    for (const doc of ctx.docs) {
      if (!doc.text.includes('BROKER_') && !doc.text.includes('AGENTKEYS_')) continue;
      for (const m of doc.text.matchAll(ENV_NAME)) {
        const name = m[0];
        if (ctx.live.env.has(name) || retired.has(name)) continue;
        const at = m.index as number;
        // <BROKER_HOST> is a placeholder to fill in, not a variable.
        const before = doc.text.slice(Math.max(0, at - 4), at);
        const after = doc.text.slice(at + name.length, at + name.length + 4);
        if ((before.endsWith('<') && after.startsWith('>')) || (before === '&lt;' && after === '&gt;'))
          continue;
        if (ctx.exemption(doc, at)) continue;
        ctx.report({ doc, offset: at, match: name, messageId: 'unknown', data: { name, reference } });
      }
    }
  },
};
