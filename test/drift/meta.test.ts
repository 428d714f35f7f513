// Every rule has its own test file and a section on the reference page; the registry has no strays.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allRules } from '../../scripts/drift/index.ts';
import { REPO } from './helpers.ts';

const ruleFiles = readdirSync(path.join(REPO, 'scripts/drift/rules'))
  .filter((f) => f.endsWith('.ts') && f !== 'index.ts')
  .map((f) => f.replace(/\.ts$/, ''));
const reference = readFileSync(path.join(REPO, 'docs/reference/drift-rules.md'), 'utf8');

describe('rule registry', () => {
  it('registers every rule file, under the file name as its id', () => {
    expect(allRules.map((r) => r.meta.id).sort()).toEqual([...ruleFiles].sort());
  });

  it.each(allRules.map((r) => [r.meta.id, r] as const))(
    '%s has a test file, a reference section and messages',
    (id, r) => {
      expect(existsSync(path.join(REPO, 'test/drift/rules', `${id}.test.ts`))).toBe(true);
      expect(reference).toMatch(new RegExp(`^## \`${id}\` \\{#${id}\\}$`, 'm'));
      expect(Object.keys(r.meta.messages).length).toBeGreaterThan(0);
      expect(['error', 'warning', 'info']).toContain(r.meta.severity);
    },
  );

  it('every message id a rule uses is declared in its metadata', () => {
    for (const id of ruleFiles) {
      const source = readFileSync(path.join(REPO, 'scripts/drift/rules', `${id}.ts`), 'utf8');
      const rule = allRules.find((r) => r.meta.id === id);
      const used = [...source.matchAll(/messageId: '(\w+)'|'(\w+)' : '(\w+)'|at\('(\w+)'/g)].flatMap((m) =>
        m.slice(1).filter(Boolean),
      );
      for (const m of used) expect(Object.keys(rule?.meta.messages ?? {}), `${id}: ${m}`).toContain(m);
    }
  });
});
