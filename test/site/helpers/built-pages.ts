// Reads pages of the shared site build as DOM trees, plus the data files those pages are rendered from.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type HTMLElement, parse } from 'node-html-parser';
import { parse as parseYaml } from 'yaml';
import { repoRoot, sharedBuild } from './site-build.ts';

export { repoRoot };

let built: Promise<string> | undefined;

/** The `dist` folder of the site built once for the whole test run. */
export function builtSite(): Promise<string> {
  built ??= sharedBuild().then((build) => build.dist);
  return built;
}

/** A built page by its clean URL path (`arch`, `reference/env`) as a DOM tree. */
export async function page(path: string): Promise<HTMLElement> {
  const dist = await builtSite();
  // `pre` is parsed as elements (not raw text) so that code blocks read as the code they show.
  return parse(readFileSync(join(dist, `${path}.html`), 'utf8'), {
    blockTextElements: { script: true, noscript: true, style: true },
  });
}

/** Every element id of a page: the anchors links can point at. */
export function ids(root: HTMLElement): Set<string> {
  return new Set(root.querySelectorAll('[id]').map((el) => el.id));
}

/** The page's article body (without navigation, sidebar and footer). */
export function content(root: HTMLElement): HTMLElement {
  const doc = root.querySelector('.vp-doc');
  if (!doc) throw new Error('built page has no .vp-doc content element');
  return doc;
}

export function readYamlFile<T>(relativePath: string): T {
  return parseYaml(readFileSync(join(repoRoot, relativePath), 'utf8')) as T;
}

export interface EnvFile {
  groups: { id: string; readBy?: string; vars: { name: string; anchors?: string[] }[] }[];
}

export interface DriftFile {
  retired: Record<string, string>[];
  retirementWords?: string[];
}

export const retiredKinds = ['endpoint', 'file', 'symbol', 'env', 'header', 'term'] as const;

/** The surface string of a drift.yaml `retired:` entry, whatever its kind. */
export function retiredSurface(entry: Record<string, string>): { kind: string; surface: string } {
  for (const kind of retiredKinds) {
    const surface = entry[kind];
    if (surface) return { kind, surface };
  }
  throw new Error(`drift.yaml retired entry without a kind: ${JSON.stringify(entry)}`);
}

/** The four pages this suite owns, by clean URL path. */
export const mainPages = [
  'arch',
  'dev-setup',
  'operator-runbook-stage7',
  'stage7-demo-and-verification',
] as const;
