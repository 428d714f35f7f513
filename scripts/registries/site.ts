// The site's build-time data loaders, declared by registry: `defineLoader(siteLoader('openapi', '<file>'))`.
// The declaration is plain data, so the checker can tell which registry a generated page renders (and so
// which ids it gets) by reading the loader, without running site code.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildApiView } from './api-view.ts';
import { buildEnvView } from './env-view.ts';
import { RegistryError } from './errors.ts';
import { buildRetiredView } from './retired-view.ts';

export const SITE_VIEWS = {
  openapi: buildApiView,
  env: buildEnvView,
  drift: buildRetiredView,
} as const;

export type SiteView = keyof typeof SITE_VIEWS;

const PAGES: Record<SiteView, string> = {
  openapi: 'the API reference page',
  env: 'the environment reference page',
  drift: 'the retired-surfaces page',
};

/**
 * A VitePress data loader for one registry. `file` is relative to the loader (VitePress resolves `watch`
 * from the loader's folder).
 */
export function siteLoader<K extends SiteView>(kind: K, file: string) {
  return {
    watch: [file],
    load(files: string[]): ReturnType<(typeof SITE_VIEWS)[K]> {
      const [abs] = files;
      if (!abs) throw new RegistryError(`${file} is missing; ${PAGES[kind]} is rendered from it.`);
      const shown = path.relative(process.cwd(), abs) || abs;
      return SITE_VIEWS[kind](readFileSync(abs, 'utf8'), shown) as ReturnType<(typeof SITE_VIEWS)[K]>;
    },
  };
}

/** `siteLoader('<kind>', '<file>')` as written in a loader's source: the registry kind and its file. */
export const SITE_LOADER_CALL =
  /\bsiteLoader\(\s*['"](openapi|env|drift)['"]\s*,\s*['"]([^'"]+)['"]\s*,?\s*\)/;
