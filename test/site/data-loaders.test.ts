// The data loaders behind the generated pages: shapes, $ref resolution and clear errors on bad input.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
    '      - name: BROKER_X_Y\n        meaning: Takes `a`.\n        default: 5\n        range: 1–9\n        anchor: x-y\n';

  it('gives each variable a lower-case dashed anchor and renders inline code', () => {
    const [group] = buildEnvView(env(good), 'env.yaml');
    expect(group?.vars[0]).toMatchObject({
      id: 'broker-x-y',
      meaningHtml: 'Takes <code>a</code>.',
      defaultHtml: '5',
      troubleshooting: 'x-y',
    });
  });

  it.each([
    ['a variable without meaning', good.replace(/ {8}meaning:.*\n/, ''), /groups\.0\.vars\.0\.meaning/],
    [
      'a lower-case name',
      good.replace('BROKER_X_Y', 'broker_x'),
      /groups\.0\.vars\.0\.name: must be an upper-case variable name/,
    ],
    ['a duplicate variable', good + good, /BROKER_X_Y is listed twice/],
  ])('refuses %s', (_name, vars, message) => {
    expect(() => buildEnvView(env(vars), 'env.yaml')).toThrow(message);
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

  it('says which page needs a registry file that is missing', () => {
    expect(() => siteLoader('env', '../../docs/reference/env.yaml').load([])).toThrow(
      /^\.\.\/\.\.\/docs\/reference\/env\.yaml is missing; the environment reference page is rendered from it\.$/,
    );
  });

  it('is declared in a form the drift checker reads without running the loader', () => {
    for (const name of ['broker-api', 'env', 'retired']) {
      const source = readFileSync(join(import.meta.dirname, `../../.vitepress/data/${name}.data.ts`), 'utf8');
      expect(SITE_LOADER_CALL.exec(source), name).not.toBeNull();
    }
  });
});
