// Reads docs/reference/upstream.yaml: the broker commit the pages, the references and the sandbox describe.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';

export const UPSTREAM_FILE = join(
  resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'),
  'docs',
  'reference',
  'upstream.yaml',
);

const upstreamSchema = z
  .object({
    crate: z.string().min(1),
    repository: z.url(),
    commit: z.string().regex(/^[0-9a-f]{40}$/, 'must be the full 40-hex commit'),
    short: z.string().regex(/^[0-9a-f]{7,12}$/, 'must be 7 to 12 hex characters'),
    pr: z.string().regex(/^PR #\d+$/, 'must read like "PR #104"'),
    readyzDocs: z.url(),
  })
  .strict()
  .refine((u) => u.commit.startsWith(u.short), {
    message: 'short must be a prefix of commit',
    path: ['short'],
  });

export type Upstream = z.output<typeof upstreamSchema>;

/** Thrown when upstream.yaml is missing or malformed; the message names the file and the key. */
export class UpstreamFileError extends Error {
  override name = 'UpstreamFileError';
}

export function parseUpstream(text: string, file = 'docs/reference/upstream.yaml'): Upstream {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new UpstreamFileError(`${file} is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  const result = upstreamSchema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`);
    throw new UpstreamFileError(`${file} does not have the expected shape: ${issues.join('; ')}`);
  }
  return result.data;
}

export function loadUpstream(file = UPSTREAM_FILE): Upstream {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UpstreamFileError(
      `${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  return parseUpstream(text, file);
}

/** "c9e1694 (PR #104)": how a page or a banner names the broker it describes. */
export function upstreamLabel(u: Upstream): string {
  return `${u.short} (${u.pr})`;
}
