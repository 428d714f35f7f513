// The runner hides secrets handed in through the environment from its first line on, before any step reads them.
import { describe, expect, it } from 'vitest';
import { run, SECRET_ENV } from '../../../runbooks/lib/engine.ts';
import { defineRunbook, defineStep } from '../../../runbooks/lib/step.ts';

describe('run', () => {
  it.each(SECRET_ENV)(
    'never prints the value of %s, even from a step that does not declare it',
    async (name) => {
      const secret = `canary-${name.toLowerCase()}-0123456789abcdef`;
      const leaky = defineRunbook({
        name: 'leaky',
        title: 'Leaky',
        page: 'leaky',
        steps: [
          defineStep({
            id: '01',
            slug: 'leak',
            title: 'Leak',
            doc: 'leak',
            needs: [],
            produces: [],
            mutates: false,
            run: async (ctx) => {
              ctx.log(`value: ${process.env[name] ?? secret}`);
              throw new Error(`failed with ${secret}`);
            },
          }),
        ],
      });
      const lines: string[] = [];
      const code = await run({
        runbook: leaky,
        target: 'http://127.0.0.1:9',
        env: { CI: 'true', [name]: secret },
        out: (line) => lines.push(line),
        err: (line) => lines.push(line),
      });
      expect(code).toBe(1);
      const printed = lines.join('\n');
      expect(printed).toContain('value: ');
      expect(printed).toContain('[redacted]');
      expect(printed).not.toContain(secret);
    },
  );
});
