// Local search indexes Markdown, not Vue output; this adds the generated reference content to the index.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { MarkdownRenderer } from 'vitepress';
import { buildApiView, buildEnvView, buildRetiredView } from '../scripts/registries/index.ts';

interface RenderEnv {
  path: string;
  relativePath: string;
}

const plain = (html: string): string =>
  html
    .replace(/<[^>]+>/g, '')
    .replace(/\s+/g, ' ')
    .trim();

// Headings carry the same ids the Vue components give their sections, so a hit lands on the right row.
const generators: Record<string, (root: string) => string[]> = {
  'reference/broker-api.md': (root) => {
    const file = 'docs/reference/broker.openapi.yaml';
    const api = buildApiView(readFileSync(join(root, file), 'utf8'), file);
    return api.tags.flatMap((tag) =>
      tag.routes.map(
        (r) => `### ${r.method} ${r.path} {#${r.id}}\n\n${r.summary}. ${plain(r.descriptionHtml)}`,
      ),
    );
  },
  'reference/env.md': (root) => {
    const file = 'docs/reference/env.yaml';
    const groups = buildEnvView(readFileSync(join(root, file), 'utf8'), file);
    return groups.flatMap((g) => g.vars.map((v) => `### ${v.name} {#${v.id}}\n\n${plain(v.meaningHtml)}`));
  },
  'retired.md': (root) => {
    const rows = buildRetiredView(readFileSync(join(root, 'drift.yaml'), 'utf8'), 'drift.yaml');
    return rows.map((r) => `### ${r.surface} {#${r.id}}\n\nRetired ${r.kind}. ${plain(r.descriptionHtml)}`);
  },
};

export function searchRender(src: string, env: RenderEnv, md: MarkdownRenderer): string {
  const generate = generators[env.relativePath];
  if (!generate) return md.render(src, env);
  // srcDir is docs/, one level below the repository root that holds drift.yaml.
  const srcDir = env.path.slice(0, env.path.length - env.relativePath.length);
  const root = dirname(srcDir.replace(/[\\/]$/, ''));
  return md.render(`${src}\n\n${generate(root).join('\n\n')}\n`, env);
}
