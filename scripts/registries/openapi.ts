// The OpenAPI contract (docs/reference/broker.openapi.yaml): its operations, with the line of every path key.
// The checker reads it as the list of live endpoints; the API reference page builds its view on top of it.
import { isMap, isScalar, type Node } from 'yaml';
import { RegistryError } from './errors.ts';
import { commentTraps, readYamlFile, type YamlWarning } from './yaml.ts';

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export interface Endpoint {
  /** Upper case; undefined for a path that lists no operation. */
  method?: string;
  path: string;
}

export interface OpenApiFile {
  /** The document as plain data. */
  raw: unknown;
  endpoints: Endpoint[];
  /** 1-based line of each path key. */
  pathLines: Map<string, number>;
  /** Line of the `paths` key itself. */
  pathsLine: number;
  warnings: YamlWarning[];
}

export function loadOpenApi(text: string, file: string): OpenApiFile {
  const y = readYamlFile(text, file);
  const raw = y.doc.toJS() as { paths?: Record<string, Record<string, unknown> | null> } | null;
  if (!raw || typeof raw !== 'object' || typeof raw.paths !== 'object' || raw.paths === null)
    throw new RegistryError(`${file}: the OpenAPI contract has no "paths" object`);
  const endpoints: Endpoint[] = [];
  for (const [p, ops] of Object.entries(raw.paths)) {
    const methods = Object.keys(ops ?? {}).filter((m) => (HTTP_METHODS as readonly string[]).includes(m));
    if (methods.length === 0) endpoints.push({ path: p });
    for (const m of methods) endpoints.push({ method: m.toUpperCase(), path: p });
  }
  const top = isMap(y.doc.contents) ? y.doc.contents : undefined;
  const pair = top?.items.find((p) => isScalar(p.key) && p.key.value === 'paths');
  const pathLines = new Map<string, number>();
  if (isMap(pair?.value))
    for (const p of pair.value.items)
      if (isScalar(p.key)) pathLines.set(String(p.key.value), y.lineOf(p.key));
  return {
    raw,
    endpoints,
    pathLines,
    pathsLine: y.lineOf(pair?.key as Node | undefined),
    warnings: commentTraps(y),
  };
}
