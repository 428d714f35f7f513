// The site's build-time data loaders, declared by registry: `defineLoader(siteLoader('openapi', '<file>'))`.
// The declaration is plain data, so the checker can tell which registry a generated page renders (and so
// which ids it gets) by reading the loader, without running site code.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildApiView } from './api-view.ts';
import { buildEnvView } from './env-view.ts';
import { RegistryError } from './errors.ts';
import { buildRetiredView } from './retired-view.ts';
import { buildUpstreamView } from './upstream-view.ts';

export const SITE_VIEWS = {
  openapi: buildApiView,
  env: buildEnvView,
  drift: buildRetiredView,
  upstream: buildUpstreamView,
} as const;

export type SiteView = keyof typeof SITE_VIEWS;

const PAGES: Record<SiteView, string> = {
  openapi: 'the API reference page',
  env: 'the environment reference page',
  drift: 'the retired-surfaces page',
  upstream: 'every page’s banner naming the broker commit',
};

export interface SiteLoaderOptions {
  /**
   * upstream.yaml, relative to the loader like `file`: the view is given its short commit, which status
   * sentences print. Ids never depend on it, so the checker builds views without it.
   */
  upstream?: string;
}

const shownPath = (abs: string) => path.relative(process.cwd(), abs) || abs;

/**
 * A VitePress data loader for one registry. `file` is relative to the loader (VitePress resolves `watch`
 * from the loader's folder).
 */
export function siteLoader<K extends SiteView>(kind: K, file: string, options: SiteLoaderOptions = {}) {
  const { upstream } = options;
  return {
    watch: upstream ? [file, upstream] : [file],
    load(files: string[]): ReturnType<(typeof SITE_VIEWS)[K]> {
      // VitePress passes the watched files that exist, as absolute paths, in no promised order.
      const name = path.basename(file);
      const abs = files.find((f) => path.basename(f) === name);
      if (!abs) throw new RegistryError(`${file} is missing; ${PAGES[kind]} is rendered from it.`);
      let commit: string | undefined;
      if (upstream) {
        const upstreamAbs = files.find((f) => path.basename(f) === path.basename(upstream));
        if (!upstreamAbs)
          throw new RegistryError(
            `${upstream} is missing; it names the broker commit ${PAGES[kind]} states.`,
          );
        commit = buildUpstreamView(readFileSync(upstreamAbs, 'utf8'), shownPath(upstreamAbs)).short;
      }
      const view = SITE_VIEWS[kind] as (text: string, file: string, commit?: string) => unknown;
      return view(readFileSync(abs, 'utf8'), shownPath(abs), commit) as ReturnType<(typeof SITE_VIEWS)[K]>;
    },
  };
}

/** `siteLoader('<kind>', '<file>'…)` as written in a loader's source: the registry kind and its file. */
export const SITE_LOADER_CALL =
  /\bsiteLoader\(\s*['"](openapi|env|drift|upstream)['"]\s*,\s*['"]([^'"]+)['"]\s*[,)]/;
