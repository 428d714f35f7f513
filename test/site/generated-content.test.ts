// The generated pages render what their data files hold: OpenAPI routes, env.yaml variables, drift.yaml retirements.
import type { HTMLElement } from 'node-html-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  content,
  type DriftFile,
  type EnvFile,
  page,
  readYamlFile,
  retiredSurface,
} from './helpers/built-pages.ts';

const methods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

interface OpenApiFile {
  paths: Record<string, Record<string, unknown>>;
}

const openapi = readYamlFile<OpenApiFile>('docs/reference/broker.openapi.yaml');
const routes = Object.entries(openapi.paths).flatMap(([path, item]) =>
  Object.keys(item)
    .filter((key) => methods.includes(key))
    .map((method) => ({ method: method.toUpperCase(), path })),
);
const env = readYamlFile<EnvFile>('docs/reference/env.yaml');
const envVars = env.groups.flatMap((group) => group.vars.map((v) => ({ group: group.id, ...v })));
const drift = readYamlFile<DriftFile>('drift.yaml');
const retired = drift.retired.map((entry) => ({ ...retiredSurface(entry), removed: String(entry.removed) }));

/** Rows of every table on the page, as the text of each cell. */
function rows(root: HTMLElement): { cells: string[]; codes: string[]; row: HTMLElement }[] {
  return root.querySelectorAll('tr').map((row) => ({
    cells: row.querySelectorAll('th, td').map((cell) => cell.textContent.trim()),
    codes: row.querySelectorAll('code').map((code) => code.textContent.trim()),
    row,
  }));
}

/** The retired page's headed entries: the surface in the heading, the facts as cells. */
function retiredEntries(root: HTMLElement): ReturnType<typeof rows> {
  return root.querySelectorAll('section.retired-entry').map((entry) => ({
    codes: entry.querySelectorAll('h3 code').map((c) => c.textContent.trim()),
    cells: entry.querySelectorAll('dd').map((dd) => dd.textContent),
    row: entry,
  }));
}

const collapse = (text: string) => text.replace(/\s+/g, ' ').trim();

describe('generated reference pages', () => {
  let apiRows: ReturnType<typeof rows>;
  let envPage: HTMLElement;
  let retiredRows: ReturnType<typeof rows>;
  let runbookEnv: HTMLElement;

  beforeAll(async () => {
    apiRows = rows(content(await page('reference/broker-api')));
    envPage = content(await page('reference/env'));
    retiredRows = retiredEntries(content(await page('retired')));
    const runbook = content(await page('operator-runbook-stage7'));
    const section = runbook.querySelector('.runbook-env');
    if (!section) throw new Error('the runbook page has no generated environment tables (.runbook-env)');
    runbookEnv = section;
  });

  it('has data files worth checking', () => {
    expect(routes.length).toBeGreaterThanOrEqual(14);
    expect(envVars.length).toBeGreaterThanOrEqual(17);
    expect(retired.length).toBeGreaterThanOrEqual(10);
  });

  it.each(routes)('API reference lists $method $path', ({ method, path }) => {
    const match = apiRows.find((r) => r.cells.includes(method) && r.codes.includes(path));
    expect(match, `no table row with ${method} and ${path} on /reference/broker-api`).toBeDefined();
  });

  it('API reference lists no retired endpoint as a route', () => {
    const retiredPaths = retired.filter((r) => r.kind === 'endpoint').map((r) => r.surface.split(' ').pop());
    const listed = apiRows.flatMap((r) => r.codes);
    for (const path of retiredPaths) expect(listed).not.toContain(path);
  });

  it.each(envVars)('env reference lists $name', ({ name }) => {
    const codes = rows(envPage).flatMap((r) => r.codes);
    expect(codes).toContain(name);
  });

  it.each(envVars)('runbook environment tables list $name', ({ name, anchors }) => {
    const anchor = anchors?.[0];
    // The variable's own row: its name is the row header (other rows may mention it in their text).
    const row = rows(runbookEnv).find((r) => r.row.querySelector('th code')?.textContent.trim() === name);
    expect(row, `${name} missing from the runbook's environment tables`).toBeDefined();
    // A broker variable with a troubleshooting anchor links to it on the same page.
    const links = row?.row.querySelectorAll('a').map((a) => a.getAttribute('href')) ?? [];
    if (anchor) expect(links).toContain(`#${anchor}`);
  });

  it.each(retired)('retired page lists $kind $surface', ({ surface, removed }) => {
    const row = retiredRows.find((r) => r.codes.includes(surface));
    expect(row, `${surface} missing from /retired`).toBeDefined();
    expect(collapse(row?.cells.join(' ') ?? '')).toContain(collapse(removed.replace(/`/g, '')));
  });
});
