// Reads the live surfaces: endpoints from the OpenAPI contract, variable names from the env reference.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type Document, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { DriftUsageError } from './config.ts';

export interface LiveEndpoint {
  method?: string;
  path: string;
}

export interface LiveSurfaces {
  endpoints: LiveEndpoint[];
  env: Set<string>;
  /** 1-based line of each OpenAPI path key and of each env name, for findings that point into the files. */
  pathLines: Map<string, number>;
  /** Line of the `paths` key itself: where an undocumented route belongs. */
  pathsLine: number;
  envLines: Map<string, number>;
}

const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function readYaml(
  file: string,
  what: string,
  rel: (f: string) => string,
): { doc: Document; lines: LineCounter } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new DriftUsageError(
      `${rel(file)}: the ${what} named in drift.yaml (live) does not exist; create it or remove the key`,
    );
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const error = doc.errors[0];
  if (error) {
    const first = error.message.split('\n')[0];
    throw new DriftUsageError(`${rel(file)}: the ${what} is not valid YAML: ${first}`);
  }
  return { doc, lines };
}

const lineOf = (node: Node | null | undefined, lines: LineCounter) =>
  lines.linePos(node?.range?.[0] ?? 0).line;

export function loadLive(
  openapi: string | undefined,
  envFile: string | undefined,
  root: string,
): LiveSurfaces {
  const rel = (f: string) => path.relative(root, f) || f;
  const endpoints: LiveEndpoint[] = [];
  const pathLines = new Map<string, number>();
  let pathsLine = 1;
  if (openapi) {
    const { doc: yaml, lines } = readYaml(openapi, 'OpenAPI contract', rel);
    const doc = yaml.toJS() as { paths?: Record<string, Record<string, unknown>> };
    if (!doc || typeof doc !== 'object' || typeof doc.paths !== 'object' || doc.paths === null) {
      throw new DriftUsageError(`${rel(openapi)}: the OpenAPI contract has no "paths" object`);
    }
    for (const [p, ops] of Object.entries(doc.paths)) {
      const methods = Object.keys(ops ?? {}).filter((m) => METHODS.includes(m));
      if (methods.length === 0) endpoints.push({ path: p });
      for (const m of methods) endpoints.push({ method: m.toUpperCase(), path: p });
    }
    const top = isMap(yaml.contents) ? yaml.contents : undefined;
    const pair = top?.items.find((p) => isScalar(p.key) && p.key.value === 'paths');
    pathsLine = lineOf(pair?.key as Node | undefined, lines);
    if (isMap(pair?.value))
      for (const p of pair.value.items)
        if (isScalar(p.key)) pathLines.set(String(p.key.value), lineOf(p.key, lines));
  }
  const env = new Set<string>();
  const envLines = new Map<string, number>();
  if (envFile) {
    const { doc, lines } = readYaml(envFile, 'env reference', rel);
    // Accept both a grouped file (groups[].vars[].name) and a flat list of {name}.
    const visit = (node: unknown) => {
      if (isSeq(node)) for (const n of node.items) visit(n);
      else if (isMap(node)) {
        for (const pair of node.items) {
          const key = isScalar(pair.key) ? pair.key.value : undefined;
          const value = pair.value;
          if (
            key === 'name' &&
            isScalar(value) &&
            typeof value.value === 'string' &&
            ENV_NAME.test(value.value)
          ) {
            env.add(value.value);
            if (!envLines.has(value.value)) envLines.set(value.value, lineOf(value, lines));
          } else if (isMap(value) || isSeq(value)) visit(value);
        }
      }
    };
    visit(doc.contents);
  }
  return { endpoints, env, pathsLine, pathLines, envLines };
}
