// The data loaders behind the generated pages: shapes, $ref resolution and clear errors on bad input.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseUpstream, UpstreamFileError, upstreamLabel } from '../../scripts/reference/upstream.ts';
import {
  buildApiView,
  buildEnvView,
  buildRetiredView,
  RegistryError,
  SITE_LOADER_CALL,
  siteLoader,
} from '../../scripts/registries/index.ts';

const fixture = readFileSync(join(import.meta.dirname, 'fixtures/petstore.openapi.yaml'), 'utf8');

describe('OpenAPI loader', () => {
  const api = buildApiView(fixture, 'fixture.yaml');
  const routes = api.tags.flatMap((tag) => tag.routes);
  const read = routes.find((r) => r.id === 'get-things-thing-id');

  it('lists every operation, grouped by its first tag, with untagged ones under "other"', () => {
    expect(api.routeCount).toBe(3);
    expect(api.tags.map((t) => [t.name, t.routes.map((r) => r.id)])).toEqual([
      ['things', ['get-things-thing-id', 'delete-things-thing-id']],
      ['other', ['get-ping']],
    ]);
  });

  it('resolves $refs in parameters, responses and schemas, folding allOf and stopping at cycles', () => {
    expect(read?.parameters.map((p) => [p.name, p.in, p.required])).toEqual([['thing_id', 'path', true]]);
    const thing = read?.responses[0]?.bodies[0]?.schema;
    expect(thing?.ref).toBe('Thing');
    expect(thing?.properties.map((p) => [p.name, p.required, p.schema.type])).toEqual([
      ['name', true, 'string | null'],
      ['parts', true, 'array of Thing'],
    ]);
    expect(thing?.properties[0]?.schema.descriptionHtml).toBe('What it is called, <code>or null</code>.');
  });

  it('reads x-auth-method and x-env, resolves a requestBodies $ref, and names response headers', () => {
    const del = routes.find((r) => r.id === 'delete-things-thing-id');
    expect(del).toMatchObject({ authMethod: 'owner_key', env: 'ALLOW_DELETE' });
    expect(read).toMatchObject({ authMethod: null, env: null });
    expect(del?.requestBody?.required).toBe(true);
    const variants = del?.requestBody?.bodies[0]?.schema?.variants ?? [];
    expect(variants.map((v) => [v.title, v.properties[0]?.schema.type])).toEqual([
      ['by name', 'string'],
      ['by number', 'integer'],
    ]);
    expect(del?.responses.find((r) => r.status === '405')?.headers).toEqual(['Allow: GET', 'Retry-After']);
    expect(read?.responses[0]?.headers).toEqual([]);
  });

  it('names the auth scheme, the build feature and the shared error schema', () => {
    expect(read?.auth).toEqual([{ id: 'token', label: 'Bearer (JWT)' }]);
    expect(routes.find((r) => r.id === 'get-ping')?.auth).toEqual([]);
    expect(routes.find((r) => r.id === 'delete-things-thing-id')?.feature).toBe('deletions');
    expect(api.errorSchema?.name).toBe('Problem');
    expect(api.errorSchema?.schema.properties[0]?.schema.facts).toEqual([
      'one of <code>&quot;missing&quot;</code>, <code>&quot;broken&quot;</code>',
    ]);
  });

  it.each([
    [
      'a dangling $ref',
      fixture.replace("'#/components/schemas/Named'", "'#/components/schemas/Nameless'"),
      /\$ref "#\/components\/schemas\/Nameless" points to nothing/,
    ],
    [
      'a missing version',
      fixture.replace('openapi: 3.1.0', 'openapi: two'),
      /openapi: must be an OpenAPI 3\.x version/,
    ],
    [
      'an unknown security scheme',
      fixture.replace('- token: []', '- apiKey: []'),
      /security scheme "apiKey" is used but not defined/,
    ],
    ['broken YAML', `${fixture}\n  - : [`, /^fixture\.yaml:\d+: invalid YAML/],
  ])('refuses %s with a message naming the file', (_name, text, message) => {
    expect(() => buildApiView(text, 'fixture.yaml')).toThrow(RegistryError);
    expect(() => buildApiView(text, 'fixture.yaml')).toThrow(message);
  });
});

describe('env loader', () => {
  const env = (vars: string) => `groups:\n  - id: core\n    title: Core\n    vars:\n${vars}`;
  const good =
    '      - name: BROKER_X_Y\n        meaning: Takes `a`.\n        type: integer\n        default: 5\n        min: 1\n        max: 9\n        anchors: [x-y, x-z]\n';

  it('gives each variable a lower-case dashed anchor and renders inline code, range and anchors', () => {
    const [group] = buildEnvView(env(good), 'env.yaml', 'c9e1694');
    expect(group?.readBy).toBe('broker');
    expect(group?.vars[0]).toMatchObject({
      id: 'broker-x-y',
      meaningHtml: 'Takes <code>a</code>.',
      defaultHtml: '<code>5</code>',
      rangeHtml: '1–9',
      troubleshooting: 'x-y',
      anchors: ['x-y', 'x-z'],
      status: 'enforced',
      statusHtml: '',
    });
  });

  it.each([
    ['required: true', 'required'],
    ['required: when email_link is on', 'required when email_link is on'],
    ['required: "true, unless ACCOUNT_ID is set"', 'required unless ACCOUNT_ID is set'],
    ['defaultText: the folder of `X`', 'the folder of <code>X</code>'],
    ['type: text', 'none'],
  ])('shows the default of a variable with %s as "%s"', (line, html) => {
    const [group] = buildEnvView(env(`      - name: A_B\n        meaning: m\n        ${line}\n`), 'env.yaml');
    expect(group?.vars[0]?.defaultHtml).toBe(html);
  });

  it.each([
    ['not-enforced', 'read but not enforced at c9e1694: the range is not checked'],
    ['unused', 'read and checked at start-up, but used by nothing at c9e1694: the range is not checked'],
    ['not-read', 'declared but not read at c9e1694: the range is not checked'],
  ])('says "%s" with the commit of upstream.yaml', (status, text) => {
    const vars = `      - name: A_B\n        meaning: m\n        status: ${status}\n        statusNote: the range is not checked\n`;
    const [group] = buildEnvView(env(vars), 'env.yaml', 'c9e1694');
    expect(group?.vars[0]?.statusHtml).toBe(text);
  });

  it.each([
    ['a variable without meaning', good.replace(/ {8}meaning:.*\n/, ''), /groups\.0\.vars\.0\.meaning/],
    [
      'a lower-case name',
      good.replace('BROKER_X_Y', 'broker_x'),
      /groups\.0\.vars\.0\.name: must be an upper-case variable name/,
    ],
    ['a duplicate variable', good + good, /BROKER_X_Y is listed twice/],
    ['an integer with a text default', good.replace('default: 5', 'default: five'), /numeric default/],
    ['min above max', good.replace('min: 1', 'min: 10'), /min must not be above max/],
    ['an unknown status', `${good}        status: maybe\n`, /groups\.0\.vars\.0\.status/],
    ['an unknown key', `${good}        anchr: x\n`, /anchr/],
  ])('refuses %s', (_name, vars, message) => {
    expect(() => buildEnvView(env(vars), 'env.yaml')).toThrow(RegistryError);
    expect(() => buildEnvView(env(vars), 'env.yaml')).toThrow(message);
  });
});

describe('upstream loader', () => {
  const text = readFileSync(join(import.meta.dirname, '../../docs/reference/upstream.yaml'), 'utf8');

  it('names the broker commit the site describes', () => {
    expect(parseUpstream(text)).toMatchObject({
      crate: 'agentkeys-broker-server',
      commit: 'c9e16943d6da12ee5d40b43525ff1b53fc6ceb6d',
      short: 'c9e1694',
      pr: 'PR #104',
    });
    expect(upstreamLabel(parseUpstream(text))).toBe('c9e1694 (PR #104)');
  });

  it.each([
    [
      'a short commit that is not a prefix',
      text.replace('short: c9e1694', 'short: c9e1695'),
      /short: short must be a prefix/,
    ],
    [
      'an abbreviated commit',
      text.replace(/commit: \w+/, 'commit: c9e1694'),
      /commit: must be the full 40-hex commit/,
    ],
    ['a bare PR number', text.replace('pr: "PR #104"', 'pr: 104'), /pr: /],
    ['an unknown key', `${text}branch: main\n`, /branch/],
  ])('refuses %s, naming the key', (_name, edited, message) => {
    expect(() => parseUpstream(edited, 'upstream.yaml')).toThrow(UpstreamFileError);
    expect(() => parseUpstream(edited, 'upstream.yaml')).toThrow(message);
  });
});

describe('retired loader', () => {
  it('reads the surface, its kind and the replacement', () => {
    const [row] = buildRetiredView(
      'include: ["docs/**/*.md"]\nretired:\n  - header: X-Old\n    description: Was `old`.\n    replacement: none\n    removed: "PR #1"\n',
      'drift.yaml',
    );
    expect(row).toEqual({
      id: 'retired-header-x-old',
      kind: 'header',
      surface: 'X-Old',
      descriptionHtml: 'Was <code>old</code>.',
      replacementHtml: '',
      removedHtml: 'PR #1',
    });
  });

  it('renders an entry that names only its surface, as DESIGN.md allows', () => {
    const [row] = buildRetiredView(
      'include: ["docs/**/*.md"]\nretired:\n  - symbol: mint_v2\n',
      'drift.yaml',
    );
    expect(row).toMatchObject({ kind: 'symbol', surface: 'mint_v2', descriptionHtml: '', removedHtml: '' });
  });

  it.each([
    [
      'two surfaces in one entry',
      'include: ["docs/**/*.md"]\nretired:\n  - env: A\n    symbol: b\n    description: d\n    removed: r\n',
      /^drift\.yaml:3: "retired\.0": needs exactly one of endpoint, file, symbol, env, header, term$/,
    ],
    [
      'an unknown key in an entry',
      'include: ["docs/**/*.md"]\nretired:\n  - env: A\n    removd: r\n',
      /^drift\.yaml:4: unknown key "removd" in retired\.0;/,
    ],
    ['no retired list', 'include: ["docs/**/*.md"]\nterms: []\n', /^drift\.yaml lists no retired surface;/],
  ])('refuses %s', (_name, text, message) => {
    expect(() => buildRetiredView(text, 'drift.yaml')).toThrow(message);
  });
});

describe('siteLoader, what the .data.ts loaders are made of', () => {
  it('watches the registry file it names and builds that registry’s view from it', () => {
    const loader = siteLoader('openapi', '../../fixtures/petstore.openapi.yaml');
    expect(loader.watch).toEqual(['../../fixtures/petstore.openapi.yaml']);
    const api = loader.load([join(import.meta.dirname, 'fixtures/petstore.openapi.yaml')]);
    expect(api.routeCount).toBe(3);
  });

  it('gives the env view the commit of the upstream.yaml it watches as well', () => {
    const loader = siteLoader('env', '../../docs/reference/env.yaml', {
      upstream: '../../docs/reference/upstream.yaml',
    });
    expect(loader.watch).toEqual(['../../docs/reference/env.yaml', '../../docs/reference/upstream.yaml']);
    const dir = mkdtempSync(join(tmpdir(), 'site-loader-'));
    try {
      const envFile = join(dir, 'env.yaml');
      const upstreamFile = join(dir, 'upstream.yaml');
      writeFileSync(
        envFile,
        'groups:\n  - id: core\n    title: Core\n    vars:\n      - name: A_B\n        meaning: m\n        status: not-read\n',
      );
      const upstream = readFileSync(join(import.meta.dirname, '../../docs/reference/upstream.yaml'), 'utf8');
      writeFileSync(upstreamFile, upstream.replace(/c9e1694/g, 'abcdef1'));
      // The order VitePress lists the watched files in is not promised.
      const [group] = loader.load([upstreamFile, envFile]);
      expect(group?.vars[0]?.statusHtml).toBe('declared but not read at abcdef1');
      expect(() => loader.load([envFile])).toThrow(
        /^\.\.\/\.\.\/docs\/reference\/upstream\.yaml is missing; it names the broker commit/,
      );
      writeFileSync(upstreamFile, upstream.replace('short: c9e1694', 'short: nothex'));
      expect(() => loader.load([envFile, upstreamFile])).toThrow(RegistryError);
      expect(() => loader.load([envFile, upstreamFile])).toThrow(
        /upstream\.yaml does not have the expected shape: short/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says which page needs a registry file that is missing', () => {
    expect(() => siteLoader('env', '../../docs/reference/env.yaml').load([])).toThrow(
      /^\.\.\/\.\.\/docs\/reference\/env\.yaml is missing; the environment reference page is rendered from it\.$/,
    );
  });

  it('is declared in a form the drift checker reads without running the loader', () => {
    for (const name of ['broker-api', 'env', 'retired', 'upstream']) {
      const source = readFileSync(join(import.meta.dirname, `../../.vitepress/data/${name}.data.ts`), 'utf8');
      expect(SITE_LOADER_CALL.exec(source), name).not.toBeNull();
    }
  });
});
