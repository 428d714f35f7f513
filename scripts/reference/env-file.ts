// The shape of docs/reference/env.yaml and typed access to it, for the site's env pages and the sandbox.
// The sandbox takes every default and range from here, so the numbers live in env.yaml alone.
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';

export const ENV_FILE = join(
  resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'),
  'docs',
  'reference',
  'env.yaml',
);

const anchor = z.string().regex(/^[a-z0-9-]+$/, 'must be a lower-case heading anchor');

/** What the broker does with a variable at the documented commit. */
export const VAR_STATUS = ['enforced', 'not-enforced', 'unused', 'not-read'] as const;
export type VarStatus = (typeof VAR_STATUS)[number];

const variableSchema = z
  .object({
    name: z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'must be an upper-case variable name'),
    meaning: z.string().min(1),
    type: z.enum(['text', 'url', 'path', 'integer', 'boolean', 'list', 'choice']).default('text'),
    /** The value used when the variable is unset; `$HOME` stands for the home folder. */
    default: z.union([z.string(), z.number(), z.boolean()]).optional(),
    /** Shown instead of `default` where the default is not a plain value. */
    defaultText: z.string().optional(),
    min: z.number().int().optional(),
    max: z.number().int().optional(),
    values: z.array(z.string().min(1)).optional(),
    /** Prose about the allowed values beyond min, max and values. */
    range: z.union([z.string(), z.number()]).transform(String).optional(),
    /** true, or the condition under which the variable is required. */
    required: z.union([z.boolean(), z.string().min(1)]).optional(),
    /** What a wrong value does when it is not a BOOT_FAIL line (a plain start-up error, a fallback, …). */
    invalid: z.string().optional(),
    /** BOOT_FAIL anchors whose line names this variable, first the one to read first. */
    anchors: z.array(anchor).optional(),
    /** Kept from the earlier single-anchor form. */
    anchor: anchor.optional(),
    status: z.enum(VAR_STATUS).default('enforced'),
    /** Why the status is what it is, shown beside it. */
    statusNote: z.string().optional(),
  })
  .strict()
  .refine((v) => v.min === undefined || v.max === undefined || v.min <= v.max, {
    message: 'min must not be above max',
    path: ['min'],
  })
  .refine((v) => v.type !== 'integer' || v.default === undefined || typeof v.default === 'number', {
    message: 'an integer variable needs a numeric default',
    path: ['default'],
  })
  .refine((v) => v.type !== 'boolean' || v.default === undefined || typeof v.default === 'boolean', {
    message: 'a boolean variable needs true or false as its default',
    path: ['default'],
  });

export const envFileSchema = z
  .object({
    groups: z
      .array(
        z
          .object({
            id: z.string().min(1),
            title: z.string().min(1),
            description: z.string().optional(),
            /** Who reads the group's variables: the broker itself, its clients, or this project's tools. */
            readBy: z.enum(['broker', 'client', 'tooling']).default('broker'),
            vars: z.array(variableSchema).min(1),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

export type EnvFile = z.output<typeof envFileSchema>;
export type EnvGroup = EnvFile['groups'][number];
export type EnvVar = EnvGroup['vars'][number];

export const ENV_FILE_HINT =
  'Each group needs id, title and vars; each variable needs name and meaning, and may give type, default, min, max, values, range, required, invalid, anchors and status.';

/** Thrown when env.yaml is missing or malformed; the message names the file and every offending key. */
export class EnvFileError extends Error {
  override name = 'EnvFileError';
}

/** Parses and checks env.yaml text; names the file, the key path and the problem on failure. */
export function parseEnvFile(text: string, file = 'docs/reference/env.yaml'): EnvFile {
  let raw: unknown;
  try {
    raw = parse(text, { prettyErrors: true });
  } catch (error) {
    throw new EnvFileError(`${file} is not valid YAML: ${(error as Error).message}`);
  }
  return checkEnvFile(raw, file);
}

/** Checks env.yaml already read as plain data: its shape, and every variable named once. */
export function checkEnvFile(raw: unknown, file = 'docs/reference/env.yaml'): EnvFile {
  const result = envFileSchema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map(
      (issue) => `  - ${issue.path.length > 0 ? issue.path.join('.') : '(top level)'}: ${issue.message}`,
    );
    throw new EnvFileError(
      `${file} does not have the expected shape:\n${lines.join('\n')}\n${ENV_FILE_HINT}`,
    );
  }
  const seen = new Set<string>();
  for (const group of result.data.groups) {
    for (const variable of group.vars) {
      if (seen.has(variable.name)) {
        throw new EnvFileError(`${file}: ${variable.name} is listed twice; keep one entry.`);
      }
      seen.add(variable.name);
    }
  }
  return result.data;
}

export function loadEnvFile(file = ENV_FILE): EnvFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new EnvFileError(`${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return parseEnvFile(text, file);
}

/** The anchors of a variable, old single-anchor form included. */
export function anchorsOf(variable: EnvVar): string[] {
  return [...(variable.anchors ?? []), ...(variable.anchor ? [variable.anchor] : [])];
}

/** Looks variables up by name, failing loudly when the file lacks one a caller relies on. */
export class EnvSpec {
  readonly byName: ReadonlyMap<string, EnvVar>;
  constructor(
    readonly file: EnvFile,
    readonly source = 'docs/reference/env.yaml',
  ) {
    this.byName = new Map(file.groups.flatMap((g) => g.vars.map((v) => [v.name, v] as const)));
  }

  get(name: string): EnvVar {
    const found = this.byName.get(name);
    if (!found) throw new EnvFileError(`${this.source} has no entry for ${name}; add it there.`);
    return found;
  }

  /** The numeric default of an integer variable. */
  intDefault(name: string): number {
    const value = this.get(name).default;
    if (typeof value !== 'number') throw new EnvFileError(`${this.source}: ${name} needs a numeric default.`);
    return value;
  }

  /** The documented [min, max] of an integer variable. */
  bounds(name: string): { min: number; max: number } {
    const v = this.get(name);
    if (v.min === undefined || v.max === undefined) {
      throw new EnvFileError(`${this.source}: ${name} needs both min and max.`);
    }
    return { min: v.min, max: v.max };
  }

  /** The default of a text or path variable, `$HOME` replaced by `home`. */
  textDefault(name: string, home = ''): string {
    const value = this.get(name).default;
    if (typeof value !== 'string') throw new EnvFileError(`${this.source}: ${name} needs a text default.`);
    return value.replace(/^\$HOME(?=\/|$)/, home);
  }

  /** Names of every variable the given reader reads. */
  names(readBy?: EnvGroup['readBy']): string[] {
    return this.file.groups
      .filter((g) => !readBy || g.readBy === readBy)
      .flatMap((g) => g.vars.map((v) => v.name));
  }
}

const specs = new Map<string, { stamp: string; spec: EnvSpec }>();

/**
 * The file read as an EnvSpec. The sandbox reads it for every configuration it loads; parsing the YAML is most
 * of that work, so a file unchanged since the last read (same size and modification time) is not parsed again.
 */
export function loadEnvSpec(file = ENV_FILE): EnvSpec {
  let stamp = '';
  try {
    const { size, mtimeMs } = statSync(file);
    stamp = `${size}:${mtimeMs}`;
  } catch {
    // loadEnvFile reports the unreadable file.
  }
  const known = specs.get(file);
  if (stamp && known?.stamp === stamp) return known.spec;
  const spec = new EnvSpec(loadEnvFile(file), file);
  if (stamp) specs.set(file, { stamp, spec });
  return spec;
}
