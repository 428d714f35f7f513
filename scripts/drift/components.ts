// Ids that a page's Vue components render, read from the site's own components and the registry behind their
// data loaders. Nothing of the site runs: a loader declared as `siteLoader('<registry>', '<file>')` names the
// registry, and the registries' own view builder gives the ids.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { SiteView } from '../registries/site.ts';

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

/** The ids of a data loader's view, when the loader declares its registry; false when it cannot be known. */
async function loaderIds(file: string, out: Set<string>): Promise<boolean> {
  // The views render Markdown: loaded only for a page that has generated parts.
  const { SITE_LOADER_CALL, SITE_VIEWS } = await import('../registries/site.ts');
  const call = SITE_LOADER_CALL.exec(readFileSync(file, 'utf8'));
  if (!call) return false;
  const registry = path.resolve(path.dirname(file), call[2] as string);
  if (!existsSync(registry)) return false;
  collectIds(SITE_VIEWS[call[1] as SiteView](readFileSync(registry, 'utf8'), registry), out);
  return true;
}

/**
 * The ids rendered by the components a page uses, or undefined when they cannot be known: a component
 * file is missing, an id is bound to anything but `<item>.id` or a pass-through `id` prop, or a data
 * loader does not declare its registry, or the registry cannot be read.
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
