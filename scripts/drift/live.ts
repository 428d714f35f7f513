// Reads the live surfaces: endpoints from the OpenAPI contract, variable names from the env reference.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { DriftUsageError } from './config.ts';

export interface LiveEndpoint {
  method?: string;
  path: string;
}

export interface LiveSurfaces {
  endpoints: LiveEndpoint[];
  env: Set<string>;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function readYaml(file: string, what: string, rel: (f: string) => string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new DriftUsageError(
      `${rel(file)}: the ${what} named in drift.yaml (live) does not exist; create it or remove the key`,
    );
  }
  try {
    return parse(text);
  } catch (error) {
    const first = (error as Error).message.split('\n')[0];
    throw new DriftUsageError(`${rel(file)}: the ${what} is not valid YAML: ${first}`);
  }
}

export function loadLive(
  openapi: string | undefined,
  envFile: string | undefined,
  root: string,
): LiveSurfaces {
  const rel = (f: string) => path.relative(root, f) || f;
  const endpoints: LiveEndpoint[] = [];
  if (openapi) {
    const doc = readYaml(openapi, 'OpenAPI contract', rel) as {
      paths?: Record<string, Record<string, unknown>>;
    };
    if (!doc || typeof doc !== 'object' || typeof doc.paths !== 'object' || doc.paths === null) {
      throw new DriftUsageError(`${rel(openapi)}: the OpenAPI contract has no "paths" object`);
    }
    for (const [p, ops] of Object.entries(doc.paths)) {
      const methods = Object.keys(ops ?? {}).filter((m) => METHODS.includes(m));
      if (methods.length === 0) endpoints.push({ path: p });
      for (const m of methods) endpoints.push({ method: m.toUpperCase(), path: p });
    }
  }
  const env = new Set<string>();
  if (envFile) {
    const doc = readYaml(envFile, 'env reference', rel);
    // Accept both a grouped file (groups[].vars[].name) and a flat list of {name}.
    const visit = (node: unknown) => {
      if (Array.isArray(node)) for (const n of node) visit(n);
      else if (node && typeof node === 'object') {
        const o = node as Record<string, unknown>;
        if (typeof o.name === 'string' && /^[A-Z][A-Z0-9_]*$/.test(o.name)) env.add(o.name);
        for (const v of Object.values(o)) if (typeof v === 'object') visit(v);
      }
    };
    visit(doc);
  }
  return { endpoints, env };
}
