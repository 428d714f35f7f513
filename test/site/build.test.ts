// The real VitePress build: every page is written, generated pages cover their sources, dead links fail.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { allPages, htmlFile } from './helpers/pages.ts';
import { buildSite, copyProject, repoRoot, type SharedBuild, sharedBuild } from './helpers/site-build.ts';

let site: SharedBuild;
const page = (link: string) => readFileSync(join(site.dist, htmlFile(link)), 'utf8');
const source = (file: string) => parse(readFileSync(join(repoRoot, file), 'utf8'));

beforeAll(async () => {
  site = await sharedBuild();
}, 300_000);

describe('site build', () => {
  it('finishes without dead links or render errors', () => {
    expect(site.output).toMatch(/build complete/);
    expect(site.output).not.toMatch(/dead link/i);
  });

  it.each(allPages())('writes %s with a description and the banner naming the documented broker', (link) => {
    const html = page(link);
    expect(html).toMatch(/<meta name="description" content="[^"]{20,}"/);
    const upstream = source('docs/reference/upstream.yaml');
    const banner = /<footer class="upstream-banner"[^>]*>([\s\S]*?)<\/footer>/.exec(html)?.[1] ?? '';
    expect(banner).toContain(`/commit/${upstream.commit}"`);
    expect(banner).toContain(`<code>${upstream.short}</code>`);
    expect(banner).toContain(upstream.pr);
  });

  it('renders every route of the OpenAPI contract with its statuses', () => {
    const html = page('/reference/broker-api');
    const spec = source('docs/reference/broker.openapi.yaml');
    const sections = html.split('<section class="api-route"').slice(1);
    let routes = 0;
    for (const [path, item] of Object.entries<Record<string, { responses: Record<string, unknown> }>>(
      spec.paths,
    )) {
      for (const [method, op] of Object.entries(item)) {
        if (!op || typeof op !== 'object' || !('responses' in op)) continue;
        routes += 1;
        const id = `${method} ${path}`
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, '-')
          .replace(/^-|-$/g, '');
        const section = sections.find((s) => s.includes(`id="${id}"`));
        expect(section, `${method.toUpperCase()} ${path}`).toBeDefined();
        for (const status of Object.keys(op.responses)) expect(section).toContain(`<code>${status}</code>`);
      }
    }
    expect(sections).toHaveLength(routes);
    expect(html).toContain('id="errors"');
  });

  it('renders every environment variable with its anchor and inline code', () => {
    const html = page('/reference/env');
    const env = source('docs/reference/env.yaml');
    for (const group of env.groups) {
      for (const variable of group.vars) {
        expect(html).toContain(`id="${variable.name.toLowerCase().replace(/_/g, '-')}"`);
      }
    }
    // env.yaml writes `{kid, private_key_pem, purpose}` in backticks: it must come out as code.
    expect(html.replace(/<wbr>/g, '')).toMatch(/<code>\{kid, private_key_pem, purpose\}<\/code>/);
    expect(html).not.toMatch(/`\{kid/);
    // Every BOOT_FAIL anchor of a variable links to its runbook section.
    const anchors = env.groups.flatMap((g: { vars: { anchors?: string[] }[] }) =>
      g.vars.flatMap((v) => v.anchors ?? []),
    );
    expect(anchors.length).toBeGreaterThanOrEqual(27);
    for (const anchor of anchors) expect(html).toContain(`href="/operator-runbook-stage7#${anchor}"`);
  });

  it('renders every retired surface inside the retired callout', () => {
    const html = page('/retired');
    const start = html.indexOf('<div class="retired custom-block"');
    expect(start).toBeGreaterThan(-1);
    // Names carry <wbr> break points after `_` and `/`; the text is the same without them.
    const callout = html
      .slice(start, html.indexOf('id="writing-about-a-retired-surface"', start))
      .replace(/<wbr>/g, '');
    const retired = source('drift.yaml').retired as Record<string, string>[];
    for (const entry of retired) {
      const kind = ['endpoint', 'file', 'symbol', 'env', 'header', 'term'].find((k) => k in entry) as string;
      expect(callout).toContain(`>${entry[kind]}</code>`);
    }
    expect(callout.match(/<h3 id="retired-/g)).toHaveLength(retired.length);
  });
});

describe('dead links', () => {
  // The repository's own config and theme on a one-page site (no other page, so no render, and no Mermaid
  // to bundle): VitePress stops the build on a dead link unless the config says to ignore it.
  it('fail the build', async () => {
    const copy = copyProject({ diagrams: false });
    try {
      const docs = join(copy.root, 'docs');
      for (const file of readdirSync(docs, { recursive: true, encoding: 'utf8' }))
        if (file.endsWith('.md')) rmSync(join(docs, file));
      writeFileSync(
        join(docs, 'index.md'),
        '# One page\n\nSee [this page](/) and [a page that was never written](/no-such-page).\n',
      );
      const result = await buildSite(copy.root, join(copy.root, 'out'));
      expect(result.ok).toBe(false);
      expect(result.output).toMatch(/1 dead link\(s\) found/);
      expect(result.output).toContain('/no-such-page');
    } finally {
      copy.remove();
    }
  }, 300_000);
});
