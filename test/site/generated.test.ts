// Changing a data source changes its generated page: one extra build of a copy with all three edited.
// The copy's other pages are cut to a heading: links to them still resolve, and the build skips the long
// pages (the runbook alone is most of a build's page work), which no check here reads; nor does any read a
// diagram, so the copy's build leaves Mermaid out.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { builtPages, htmlFile } from './helpers/pages.ts';
import { buildSite, copyProject, type ProjectCopy, sharedBuild } from './helpers/site-build.ts';

let copy: ProjectCopy;
let built: string;
let original: string;

// biome-ignore lint/suspicious/noExplicitAny: the test edits parsed YAML of three different shapes.
function edit(file: string, change: (data: Record<string, any>) => void): void {
  const path = join(copy.root, file);
  const data = parse(readFileSync(path, 'utf8'));
  change(data);
  writeFileSync(path, stringify(data));
}

beforeAll(async () => {
  original = (await sharedBuild()).dist;
  copy = copyProject({ diagrams: false });
  const read = new Set([
    'index.md',
    'reference/broker-api.md',
    'reference/env.md',
    'retired.md',
    'README.md',
  ]);
  const docs = join(copy.root, 'docs');
  for (const file of readdirSync(docs, { recursive: true, encoding: 'utf8' }))
    if (file.endsWith('.md') && !read.has(file)) writeFileSync(join(docs, file), `# ${file}\n`);
  edit('docs/reference/broker.openapi.yaml', (spec) => {
    spec.paths['/v1/site-probe/{probe_id}'] = {
      get: {
        tags: ['health'],
        summary: 'Probe route added by the site test',
        parameters: [{ name: 'probe_id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { '418': { description: 'A teapot answers.' } },
      },
    };
  });
  edit('docs/reference/env.yaml', (env) => {
    env.groups[0].vars.push({
      name: 'BROKER_SITE_PROBE',
      meaning: 'A setting added by the site test; takes `probe-value`.',
      default: 'none',
      range: 'any',
    });
  });
  edit('docs/reference/upstream.yaml', (upstream) => {
    upstream.commit = 'abcdef0123456789abcdef0123456789abcdef01';
    upstream.short = 'abcdef0';
    upstream.pr = 'PR #999';
  });
  edit('drift.yaml', (drift) => {
    drift.retired.push({
      header: 'X-Site-Probe',
      description: 'A header the site test retires.',
      replacement: 'nothing',
      removed: 'the site test',
    });
  });
  const result = await buildSite(copy.root, join(copy.root, 'out'));
  if (!result.ok) throw new Error(`build of the edited copy failed:\n${result.output}`);
  built = join(copy.root, 'out');
}, 300_000);

afterAll(() => copy?.remove());

const html = (dist: string, file: string) => readFileSync(join(dist, file), 'utf8');

describe('generated pages follow their sources', () => {
  it('the API page shows a route added to the OpenAPI file', () => {
    expect(html(original, 'reference/broker-api.html')).not.toContain('id="get-v1-site-probe-probe-id"');
    const page = html(built, 'reference/broker-api.html');
    expect(page).toContain('id="get-v1-site-probe-probe-id"');
    expect(page).toContain('Probe route added by the site test');
    expect(page).toContain('<code>418</code>');
  });

  it('the env page shows a variable added to env.yaml, with its anchor and inline code', () => {
    expect(html(original, 'reference/env.html')).not.toContain('id="broker-site-probe"');
    const page = html(built, 'reference/env.html');
    expect(page).toContain('id="broker-site-probe"');
    expect(page).toContain('<code>probe-value</code>');
  });

  it('every page and the env status notes name the commit upstream.yaml gives', () => {
    expect(html(original, 'index.html')).not.toContain('abcdef0');
    const pages = builtPages(built);
    expect(pages.length).toBeGreaterThanOrEqual(10);
    for (const link of pages)
      expect(html(built, htmlFile(link).slice(1)), link).toContain('<code>abcdef0</code></a> (PR #999)');
    expect(html(built, 'reference/env.html')).toContain('declared but not read at abcdef0');
  });

  it('the retired page shows a surface added to drift.yaml, inside the callout', () => {
    expect(html(original, 'retired.html')).not.toContain('X-Site-Probe');
    const page = html(built, 'retired.html');
    const callout = page.slice(page.indexOf('<div class="retired custom-block"'));
    expect(callout).toContain('>X-Site-Probe</code>');
  });
});
