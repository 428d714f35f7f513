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
  feature: string | null;
  deprecated: boolean;
  auth: AuthView[];
  parameters: ParameterView[];
  requestBody: { required: boolean; bodies: BodyView[] } | null;
  responses: ResponseView[];
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
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Anchor of one route on the API page, e.g. `post-v1-mint-oidc-jwt`. */
export function routeId(method: string, path: string): string {
  return slug(`${method} ${path}`);
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
        return { status, descriptionHtml: inlineHtml(String(response.description ?? '')), bodies: views };
      });
      const requestBody = op.requestBody === undefined ? undefined : resolve(op.requestBody);
      const route: RouteView = {
        id: routeId(method, path),
        method: method.toUpperCase(),
        path,
        summary: op.summary ?? '',
        descriptionHtml: blockHtml(op.description),
        feature: op['x-feature'] ?? null,
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
  };
}
