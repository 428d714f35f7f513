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

// Headings carry the same ids and levels the Vue components give their sections, so a hit lands on the
// right heading, under the right parent, and the search box can show the text below it as the excerpt.
const generators: Record<string, (root: string) => string[]> = {
  'reference/broker-api.md': (root) => {
    const file = 'docs/reference/broker.openapi.yaml';
    const api = buildApiView(readFileSync(join(root, file), 'utf8'), file);
    return api.tags.flatMap((tag) => [
      `## ${tag.name} {#${tag.id}}\n\n${plain(tag.descriptionHtml)}`,
      ...tag.routes.map(
        (r) => `### ${r.method} ${r.path} {#${r.id}}\n\n${r.summary}. ${plain(r.descriptionHtml)}`,
      ),
    ]);
  },
  'reference/env.md': (root) => {
    const file = 'docs/reference/env.yaml';
    const groups = buildEnvView(readFileSync(join(root, file), 'utf8'), file);
    return groups.flatMap((g) => [
      `## ${g.title} {#${g.id}}`,
      ...g.vars.map((v) => `### ${v.name} {#${v.id}}\n\n${plain(v.meaningHtml)}`),
    ]);
  },
  'retired.md': (root) => {
    const rows = buildRetiredView(readFileSync(join(root, 'drift.yaml'), 'utf8'), 'drift.yaml');
    return rows.map(
      (r) =>
        `### Retired: ${r.surface} {#${r.id}}\n\nRetired ${r.kind}. ${plain(r.descriptionHtml)} ` +
        `Instead: ${plain(r.replacementHtml) || 'nothing'}. Removed in ${plain(r.removedHtml)}.`,
    );
  },
};

// Where each page places its generated content; the generated sections go there, not after the page's end.
const placeholders: Record<string, RegExp> = {
  'reference/broker-api.md': /^<ApiReference \/>$/m,
  'reference/env.md': /^<EnvReference \/>$/m,
  'retired.md': /^<RetiredSurfaces \/>$/m,
};

export function searchRender(src: string, env: RenderEnv, md: MarkdownRenderer): string {
  const generate = generators[env.relativePath];
  if (!generate) return md.render(src, env);
  // srcDir is docs/, one level below the repository root that holds drift.yaml.
  const srcDir = env.path.slice(0, env.path.length - env.relativePath.length);
  const root = dirname(srcDir.replace(/[\\/]$/, ''));
  const generated = `\n\n${generate(root).join('\n\n')}\n\n`;
  const placeholder = placeholders[env.relativePath];
  const source = placeholder?.test(src) ? src.replace(placeholder, () => generated) : `${src}${generated}`;
  return md.render(source, env);
}

/**
 * MiniSearch's per-document boost: retired surfaces and archived pages rank below every live section with
 * the same words, and the API reference's route entries, the description of a live surface, come first.
 * VitePress copies this function into the client bundle, so it uses nothing from this module.
 */
export function searchBoost(id: string, _term: string, stored?: Record<string, unknown>): number {
  const title = typeof stored?.title === 'string' ? stored.title : '';
  const path = (id.split('#')[0] ?? '').replace(/\.html$/, '');
  if (title.startsWith('Retired:') || /\/retired$/.test(path) || /\/archived\//.test(path)) return 0.001;
  if (/\/reference\/broker-api$/.test(path) && /^(GET|POST|PUT|PATCH|DELETE) \//.test(title)) return 2;
  return 1;
}
