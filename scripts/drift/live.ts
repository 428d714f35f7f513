// Reads the live surfaces: endpoints from the OpenAPI contract, variable names from the env reference, both
// through the registries' loaders (the same ones the site renders the reference pages with).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadEnvReference } from '../registries/env.ts';
import { type Endpoint, loadOpenApi } from '../registries/openapi.ts';
import type { YamlWarning } from '../registries/yaml.ts';
import { asUsageError, DriftUsageError } from './config.ts';

export type LiveEndpoint = Endpoint;

export interface LiveSurfaces {
  endpoints: LiveEndpoint[];
  env: Set<string>;
  /** 1-based line of each OpenAPI path key and of each env name, for findings that point into the files. */
  pathLines: Map<string, number>;
  /** Line of the `paths` key itself: where an undocumented route belongs. */
  pathsLine: number;
  envLines: Map<string, number>;
  /** Warnings about the two files, by file. */
  warnings: { file: string; warning: YamlWarning }[];
}

function read(file: string, what: string, shown: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new DriftUsageError(
      `${shown}: the ${what} named in drift.yaml (live) does not exist; create it or remove the key`,
    );
  }
}

export function loadLive(
  openapi: string | undefined,
  envFile: string | undefined,
  root: string,
): LiveSurfaces {
  const rel = (f: string) => path.relative(root, f) || f;
  const live: LiveSurfaces = {
    endpoints: [],
    env: new Set(),
    pathLines: new Map(),
    pathsLine: 1,
    envLines: new Map(),
    warnings: [],
  };
  if (openapi) {
    const shown = rel(openapi);
    const api = asUsageError(() => loadOpenApi(read(openapi, 'OpenAPI contract', shown), shown));
    live.endpoints = api.endpoints;
    live.pathLines = api.pathLines;
    live.pathsLine = api.pathsLine;
    for (const warning of api.warnings) live.warnings.push({ file: shown, warning });
  }
  if (envFile) {
    const shown = rel(envFile);
    const env = asUsageError(() => loadEnvReference(read(envFile, 'env reference', shown), shown));
    live.env = env.names;
    live.envLines = env.lines;
    for (const warning of env.warnings) live.warnings.push({ file: shown, warning });
  }
  return live;
}
