// Ids that a page's Vue components render, read from the site's own components and data loaders.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { glob } from 'tinyglobby';

interface Loader {
  watch?: string | string[];
  load?: (files: string[]) => unknown;
}

const STATIC_ID = /<[\w-]+\s[^>]*?(?<![:\w-])id="([^"]+)"/g;
const BOUND_ID = /(?:\s:|v-bind:)id="([^"]+)"/g;
const DATA_IMPORT = /import\s*\{\s*data\b[^}]*\}\s*from\s*['"]([^'"]+\.data(?:\.[jt]s)?)['"]/g;
const VUE_IMPORT = /import\s+\w+\s+from\s*['"](\.{1,2}\/[^'"]+\.vue)['"]/g;

function collectIds(value: unknown, out: Set<string>, depth = 0): void {
  if (depth > 8 || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const v of value) collectIds(v, out, depth + 1);
    return;
  }
  for (const [k, v] of Object.entries(value)) {
    if (k === 'id' && typeof v === 'string') out.add(v);
    else collectIds(v, out, depth + 1);
  }
}

async function loaderIds(file: string, out: Set<string>): Promise<boolean> {
  const mod = (await import(pathToFileURL(file).href)) as { default?: Loader };
  const loader = mod.default;
  if (!loader || typeof loader.load !== 'function') return false;
  const patterns = [loader.watch ?? []].flat();
  const files = patterns.length > 0 ? await glob(patterns, { cwd: path.dirname(file), absolute: true }) : [];
  collectIds(await loader.load(files.sort()), out);
  return true;
}

/**
 * The ids rendered by the components a page uses, or undefined when they cannot be known: a component
 * file is missing, an id is bound to anything but `<item>.id` or a pass-through `id` prop, or a data
 * loader fails.
 */
export async function componentIds(tags: string[], componentsDir: string): Promise<Set<string> | undefined> {
  const ids = new Set<string>();
  const seen = new Set<string>();
  const visit = async (vue: string): Promise<boolean> => {
    if (seen.has(vue)) return true;
    seen.add(vue);
    if (!existsSync(vue)) return false;
    const source = readFileSync(vue, 'utf8');
    for (const m of source.matchAll(STATIC_ID)) ids.add(m[1] as string);
    for (const m of source.matchAll(BOUND_ID))
      if (!/^(?:\w+\.id|id)$/.test((m[1] as string).trim())) return false;
    for (const m of source.matchAll(DATA_IMPORT)) {
      let file = path.resolve(path.dirname(vue), m[1] as string);
      if (!existsSync(file)) file = `${file}.ts`;
      if (!existsSync(file) || !(await loaderIds(file, ids))) return false;
    }
    for (const m of source.matchAll(VUE_IMPORT))
      if (!(await visit(path.resolve(path.dirname(vue), m[1] as string)))) return false;
    return true;
  };
  try {
    for (const tag of tags) if (!(await visit(path.join(componentsDir, `${tag}.vue`)))) return undefined;
  } catch {
    return undefined;
  }
  return ids;
}
