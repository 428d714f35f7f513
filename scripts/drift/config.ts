// The checker's drift.yaml: read with the registries' loader, whose errors become usage errors (exit 2).
import { readFileSync, statSync } from 'node:fs';
import { type DriftConfig, parseDriftYaml } from '../registries/drift-yaml.ts';
import { RegistryError } from '../registries/errors.ts';

export type {
  DriftConfig,
  MarkdownFlavor,
  ParityEntry,
  ParityTarget,
  RetiredSurface,
  SourceConfig,
  SurfaceKind,
  UndocumentedEntry,
} from '../registries/drift-yaml.ts';

/** A usage or configuration problem: the CLI prints the message and exits 2. */
export class DriftUsageError extends Error {
  override name = 'DriftUsageError';
}

/** Runs a registry loader; a problem with the file is the user's to fix, so it is a usage error. */
export function asUsageError<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (error instanceof RegistryError) throw new DriftUsageError(error.message);
    throw error;
  }
}

export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env): DriftConfig {
  return asUsageError(() => parseDriftYaml(text, file, env));
}

export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): DriftConfig {
  let text: string;
  try {
    if (!statSync(file).isFile()) throw new Error('not a file');
    text = readFileSync(file, 'utf8');
  } catch {
    throw new DriftUsageError(
      `${file}: config file not found or not readable; pass --config FILE or --root DIR holding a drift.yaml`,
    );
  }
  return parseConfig(text, file, env);
}
