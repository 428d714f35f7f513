// Where an address the site no longer serves now lives. Exact moves are listed by hand; links written for
// GitHub's view of the repository (`docs/arch.md`, `/arch.md`) and `.html` addresses are mapped by rule.
// Archiving a page (moving it into docs/archived/) adds its old path here.
import damerauLevenshtein from 'damerau-levenshtein';

/** Old path (without base) → current path. */
export const moved: Record<string, string> = {
  '/runbook': '/operator-runbook-stage7',
  '/operator-runbook': '/operator-runbook-stage7',
  '/stage7-runbook': '/operator-runbook-stage7',
  '/demo': '/stage7-demo-and-verification',
  '/stage7-demo': '/stage7-demo-and-verification',
  '/architecture': '/arch',
  '/api': '/reference/broker-api',
  '/broker-api': '/reference/broker-api',
  '/reference/api': '/reference/broker-api',
  '/env': '/reference/env',
  '/reference/env-vars': '/reference/env',
  '/drift-rules': '/reference/drift-rules',
  '/reference/retired': '/retired',
  '/reference/runbook-template': '/runbook-template',
  '/setup': '/dev-setup',
};

/**
 * The page an unknown path should go to, or null. `known` lists the site's pages (clean URLs), so a
 * rule only redirects to a page that exists.
 */
export function redirectFor(path: string, known: readonly string[]): string | null {
  const clean = decodeURI(path)
    .toLowerCase()
    .replace(/\/index(\.md|\.html)?$/, '/')
    .replace(/^\/docs(?=\/)/, '')
    .replace(/\.(md|html)$/, '')
    .replace(/(.)\/+$/, '$1');
  const target = moved[clean] ?? (known.includes(clean) ? clean : null);
  return target && target !== path ? target : null;
}

export interface PageName {
  text: string;
  link: string;
}

/** The pages whose address or title is closest to the path asked for, best first. */
export function nearestPages(path: string, pages: readonly PageName[], count = 3): PageName[] {
  const words = (s: string) =>
    s
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter(Boolean);
  const asked = words(path);
  const score = (page: PageName) => {
    const own = [...words(page.link), ...words(page.text)];
    // Shared words count most; the edit distance between the last path segments breaks ties.
    const shared = asked.filter((w) => own.some((o) => o.startsWith(w) || w.startsWith(o))).length;
    const last = (s: string) => s.split('/').filter(Boolean).pop() ?? '';
    return shared * 10 - damerauLevenshtein(last(path.toLowerCase()), last(page.link)).steps;
  };
  return [...pages].sort((a, b) => score(b) - score(a)).slice(0, count);
}
