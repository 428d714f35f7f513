// Shapes an OpenAPI 3.1 document into the routes, schemas and auth schemes the API reference page renders.
import { z } from 'zod';
import { RegistryError } from './errors.ts';
import { blockHtml, checkShape, inlineHtml, slug } from './markdown.ts';
import { loadOpenApi } from './openapi.ts';
import { type SchemaView, schemaView } from './schema-view.ts';

// The order operations of one path are listed in on the page.
const methods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'] as const;
const record = z.record(z.string(), z.unknown());

const operationSchema = z.object({
  summary: z.string().optional(),
  description: z.string().optional(),
  tags: z.array(z.string()).optional(),
  security: z.array(z.record(z.string(), z.array(z.string()))).optional(),
  parameters: z.array(z.unknown()).optional(),
  requestBody: z.unknown().optional(),
  responses: z.record(z.string(), z.unknown()),
  deprecated: z.boolean().optional(),
  'x-feature': z.string().optional(),
  'x-auth-method': z.string().optional(),
  'x-env': z.string().optional(),
  'x-errors': z
    .array(
      z
        .object({
          status: z.number().int(),
          error: z.string(),
          message: z.string().optional(),
          reason: z.string().optional(),
          when: z.string(),
        })
        .strict(),
    )
    .optional(),
});

const documentSchema = z.object({
  openapi: z.string().regex(/^3\.\d+\.\d+$/, 'must be an OpenAPI 3.x version such as 3.1.0'),
  info: z.object({ title: z.string(), version: z.string(), description: z.string().optional() }),
  tags: z.array(z.object({ name: z.string(), description: z.string().optional() })).optional(),
  security: z.array(z.record(z.string(), z.array(z.string()))).optional(),
  paths: z.record(
    z.string().startsWith('/'),
    z.object({
      parameters: z.array(z.unknown()).optional(),
      ...Object.fromEntries(methods.map((m) => [m, operationSchema.optional()])),
    }),
  ),
  components: z.object({ schemas: record.optional(), securitySchemes: record.optional() }).loose().optional(),
});

export interface BodyView {
  contentType: string;
  schema: SchemaView | null;
}
export interface ParameterView {
  name: string;
  in: string;
  required: boolean;
  descriptionHtml: string;
  schema: SchemaView | null;
}
export interface ResponseView {
  status: string;
  descriptionHtml: string;
  bodies: BodyView[];
  /** Response headers, as `Name` or `Name: value` when the schema fixes the value. */
  headers: string[];
}
/** One failure a route is known to answer: the status, the body's kind and how its message starts. */
export interface ErrorView {
  status: number;
  /** The `error` value (Error body) or the `reason` (CapError body). */
  kind: string;
  kindField: 'error' | 'reason';
  /** What the message starts with (`message` of Error, `error` of CapError); empty when it varies. */
  prefix: string;
  whenHtml: string;
}
/** An example from the OpenAPI file, printed as the body would travel. */
export interface ExampleView {
  contentType: string;
  text: string;
  value: unknown;
}
export interface AuthView {
  id: string;
  label: string;
}
export interface RouteView {
  id: string;
  method: string;
  path: string;
  summary: string;
  descriptionHtml: string;
  /** Cargo feature the route is compiled with (`x-feature`). */
  feature: string | null;
  /** Value BROKER_AUTH_METHODS must list for the route to work (`x-auth-method`). */
  authMethod: string | null;
  /** Setting that switches the route on (`x-env`). */
  env: string | null;
  deprecated: boolean;
  auth: AuthView[];
  parameters: ParameterView[];
  requestBody: { required: boolean; bodies: BodyView[] } | null;
  responses: ResponseView[];
  errors: ErrorView[];
  /** The request body example, when the route takes a body. */
  exampleRequest: ExampleView | null;
  /** The first response that has an example, with its status. */
  exampleResponse: (ExampleView & { status: string }) | null;
  /** A copyable curl command for the example request (see `curlCommand`). */
  curl: string;
  /** Path and query parameter values from the examples, by name. */
  parameterExamples: Record<string, string>;
}
export interface TagView {
  id: string;
  name: string;
  descriptionHtml: string;
  routes: RouteView[];
}
export interface ApiView {
  title: string;
  version: string;
  descriptionHtml: string;
  tags: TagView[];
  securitySchemes: { id: string; label: string; descriptionHtml: string }[];
  errorSchema: { name: string; schema: SchemaView } | null;
  routeCount: number;
  /** What the examples need set up once: the address variable, the bearer file and how to make it. */
  examples: { urlVariable: string; headerFile: string; sessionHeaderCommand: string };
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Anchor of one route on the API page, e.g. `post-v1-mint-oidc-jwt`. */
export function routeId(method: string, path: string): string {
  return slug(`${method} ${path}`);
}

/** The first example of a content map (`{ "application/json": { examples: {…} } }`), printed as sent. */
function exampleOf(content: unknown): ExampleView | null {
  if (!isObject(content)) return null;
  for (const [contentType, media] of Object.entries(content)) {
    if (!isObject(media)) continue;
    const named = isObject(media.examples) ? Object.values(media.examples)[0] : undefined;
    const value = isObject(named) && 'value' in named ? named.value : media.example;
    if (value === undefined) continue;
    const text =
      typeof value === 'string' && !contentType.endsWith('json') ? value : JSON.stringify(value, null, 2);
    return { contentType, text, value };
  }
  return null;
}

function firstExample(responses: (readonly [string, unknown])[]): (ExampleView & { status: string }) | null {
  for (const [status, response] of responses) {
    const example = isObject(response) ? exampleOf(response.content) : null;
    if (example) return { ...example, status };
  }
  return null;
}

/** The file the API examples read the bearer from: one `Authorization: Bearer …` line, made once. */
export const SESSION_HEADER_FILE = 'session.header';

// drift-ignore-start BROKER_URL is the shell placeholder for the broker's address in the examples, not a setting any program reads
/** The shell variable that holds the broker's base URL in every example command. */
export const URL_VARIABLE = 'BROKER_URL';
// drift-ignore-end

/**
 * Turns the answer of a wallet sign-in into the header file the examples read (mode 0600 through umask):
 * the session JWT goes from curl's output through jq into the file, never through a command line.
 */
export const sessionHeaderCommand = [
  'umask 077',
  `curl -sS --fail-with-body -X POST \\`,
  `  -H 'Content-Type: application/json' \\`,
  `  --data-binary @signed-challenge.json \\`,
  `  "$${URL_VARIABLE}/v1/auth/wallet/verify" \\`,
  `  | jq -er '.session_jwt | strings | "Authorization: Bearer \\(.)"' > ${SESSION_HEADER_FILE}`,
].join('\n');

/**
 * A curl command for one route, as an operator pastes it: the broker's address from URL_VARIABLE, the bearer
 * read from a file with `-H @file` (so the token is never on a command line or in shell history), a JSON body
 * from a here-document, and `--fail-with-body` so a refusal exits non-zero and still prints the broker's
 * answer. Lines are broken with `\` to fit a narrow column.
 */
export function curlCommand(request: {
  method: string;
  path: string;
  bearer: boolean;
  body: ExampleView | null;
  parameters: Record<string, string>;
  query: string[];
}): string {
  const path = request.path.replace(/\{(\w+)\}/g, (whole, name: string) => request.parameters[name] ?? whole);
  const query = request.query
    .filter((name) => request.parameters[name] !== undefined)
    .map((name) => `${name}=${encodeURIComponent(request.parameters[name] as string)}`)
    .join('&');
  const url = `"$${URL_VARIABLE}${path}${query ? `?${query}` : ''}"`;
  const lines = [`curl -sS --fail-with-body${request.method === 'GET' ? '' : ` -X ${request.method}`} \\`];
  if (request.bearer) lines.push(`  -H @${SESSION_HEADER_FILE} \\`);
  if (request.body) {
    lines.push(`  -H 'Content-Type: ${request.body.contentType}' \\`, '  --data-binary @- \\');
    lines.push(`  ${url} <<'JSON'`, request.body.text, 'JSON');
  } else {
    lines.push(`  ${url}`);
  }
  return lines.join('\n');
}

export function buildApiView(text: string, file: string): ApiView {
  const root = loadOpenApi(text, file).raw;
  const doc = checkShape(root, file, documentSchema, 'The API page needs openapi, info and paths.');

  // Follows `#/…` JSON pointers inside the same document; anything else is a mistake worth stopping for.
  const resolve = (value: unknown, seen: string[] = []): unknown => {
    if (!isObject(value) || typeof value.$ref !== 'string') return value;
    const ref = value.$ref;
    if (!ref.startsWith('#/'))
      throw new RegistryError(`${file}: only local $refs are supported, found "${ref}".`);
    if (seen.includes(ref)) throw new RegistryError(`${file}: $ref cycle through "${ref}".`);
    let target: unknown = root;
    for (const part of ref.slice(2).split('/')) {
      const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
      target = isObject(target) ? target[key] : undefined;
    }
    if (target === undefined)
      throw new RegistryError(`${file}: $ref "${ref}" points to nothing; define it or fix the path.`);
    return resolve(target, [...seen, ref]);
  };

  const schemes = doc.components?.securitySchemes ?? {};
  const schemeLabel = (id: string): string => {
    const scheme = resolve(schemes[id]);
    if (!isObject(scheme))
      throw new RegistryError(`${file}: security scheme "${id}" is used but not defined.`);
    if (scheme.type === 'http' && typeof scheme.scheme === 'string') {
      const format = typeof scheme.bearerFormat === 'string' ? ` (${scheme.bearerFormat})` : '';
      return `${scheme.scheme === 'bearer' ? 'Bearer' : scheme.scheme}${format}`;
    }
    if (scheme.type === 'apiKey') return `API key in ${String(scheme.in)} \`${String(scheme.name)}\``;
    return String(scheme.type);
  };

  const bodies = (content: unknown): BodyView[] =>
    isObject(content)
      ? Object.entries(content).map(([contentType, media]) => {
          const schema = isObject(media) && media.schema !== undefined ? media.schema : undefined;
          return { contentType, schema: schema === undefined ? null : schemaView(schema, resolve) };
        })
      : [];

  const errorRefs = new Map<string, number>();
  const tags = new Map<string, TagView>();
  for (const tag of doc.tags ?? []) {
    tags.set(tag.name, {
      id: slug(tag.name),
      name: tag.name,
      descriptionHtml: inlineHtml(tag.description),
      routes: [],
    });
  }

  let routeCount = 0;
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of methods) {
      const op = (item as Record<string, unknown>)[method] as z.infer<typeof operationSchema> | undefined;
      if (!op) continue;
      routeCount += 1;
      const security = op.security ?? doc.security ?? [];
      const responses = Object.entries(op.responses).map(([status, raw]) => {
        const response = resolve(raw);
        if (!isObject(response))
          throw new RegistryError(
            `${file}: ${method.toUpperCase()} ${path} response ${status} is not an object.`,
          );
        const views = bodies(response.content);
        if (/^[45]/.test(status)) {
          for (const content of isObject(response.content) ? Object.values(response.content) : []) {
            const ref = isObject(content) && isObject(content.schema) ? content.schema.$ref : undefined;
            if (typeof ref === 'string') errorRefs.set(ref, (errorRefs.get(ref) ?? 0) + 1);
          }
        }
        const headers = Object.entries(isObject(response.headers) ? response.headers : {}).map(
          ([name, raw]) => {
            const header = resolve(raw);
            const schema = isObject(header) ? resolve(header.schema) : undefined;
            return isObject(schema) && schema.const !== undefined ? `${name}: ${String(schema.const)}` : name;
          },
        );
        return {
          status,
          descriptionHtml: inlineHtml(String(response.description ?? '')),
          bodies: views,
          headers,
        };
      });
      const requestBody = op.requestBody === undefined ? undefined : resolve(op.requestBody);
      const exampleResponse = firstExample(
        Object.entries(op.responses).map(([status, raw]) => [status, resolve(raw)] as const),
      );
      const exampleRequest = isObject(requestBody) ? exampleOf(requestBody.content) : null;
      const parameters = [...(item.parameters ?? []), ...(op.parameters ?? [])].map((p) => resolve(p));
      const parameterExamples = Object.fromEntries(
        parameters.flatMap((p) =>
          isObject(p) && p.example !== undefined ? [[String(p.name), String(p.example)]] : [],
        ),
      );
      const route: RouteView = {
        id: routeId(method, path),
        method: method.toUpperCase(),
        path,
        summary: op.summary ?? '',
        descriptionHtml: blockHtml(op.description),
        feature: op['x-feature'] ?? null,
        authMethod: op['x-auth-method'] ?? null,
        env: op['x-env'] ?? null,
        deprecated: op.deprecated ?? false,
        auth: security.flatMap((requirement) =>
          Object.keys(requirement).map((id) => ({ id, label: schemeLabel(id) })),
        ),
        parameters: [...(item.parameters ?? []), ...(op.parameters ?? [])].map((raw) => {
          const p = resolve(raw);
          if (!isObject(p))
            throw new RegistryError(`${file}: ${method.toUpperCase()} ${path} has a malformed parameter.`);
          return {
            name: String(p.name),
            in: String(p.in),
            required: p.required === true,
            descriptionHtml: inlineHtml(typeof p.description === 'string' ? p.description : ''),
            schema: p.schema === undefined ? null : schemaView(p.schema, resolve),
          };
        }),
        requestBody: isObject(requestBody)
          ? { required: requestBody.required === true, bodies: bodies(requestBody.content) }
          : null,
        responses,
        errors: (op['x-errors'] ?? []).map((e) => ({
          status: e.status,
          kind: e.reason ?? e.error,
          kindField: e.reason === undefined ? 'error' : 'reason',
          prefix: (e.reason === undefined ? e.message : e.error) ?? '',
          whenHtml: inlineHtml(e.when),
        })),
        exampleRequest,
        exampleResponse,
        curl: curlCommand({
          method: method.toUpperCase(),
          path,
          bearer: security.length > 0,
          body: exampleRequest,
          parameters: parameterExamples,
          query: parameters.flatMap((p) => (isObject(p) && p.in === 'query' ? [String(p.name)] : [])),
        }),
        parameterExamples,
      };
      const tagName = op.tags?.[0] ?? 'other';
      if (!tags.has(tagName))
        tags.set(tagName, { id: slug(tagName), name: tagName, descriptionHtml: '', routes: [] });
      tags.get(tagName)?.routes.push(route);
    }
  }
  if (routeCount === 0)
    throw new RegistryError(`${file}: paths lists no operations; the API page would be empty.`);

  // The error schema is the one most failure responses share.
  const [errorRef] = [...errorRefs.entries()].sort((a, b) => b[1] - a[1])[0] ?? [];
  return {
    title: doc.info.title,
    version: doc.info.version,
    descriptionHtml: blockHtml(doc.info.description),
    tags: [...tags.values()].filter((tag) => tag.routes.length > 0),
    securitySchemes: Object.entries(schemes).map(([id, raw]) => {
      const scheme = resolve(raw);
      const description =
        isObject(scheme) && typeof scheme.description === 'string' ? scheme.description : '';
      return { id, label: schemeLabel(id), descriptionHtml: blockHtml(description) };
    }),
    errorSchema: errorRef
      ? { name: errorRef.split('/').pop() ?? errorRef, schema: schemaView({ $ref: errorRef }, resolve) }
      : null,
    routeCount,
    examples: {
      urlVariable: URL_VARIABLE,
      headerFile: SESSION_HEADER_FILE,
      sessionHeaderCommand,
    },
  };
}
