// axe-core on every built page, light and dark: no serious or critical violation.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, diagramsDrawn, launchBrowser, switchTheme } from './helpers/browser.ts';
import { builtPages } from './helpers/pages.ts';
import { repoRoot, type SharedBuild, sharedBuild } from './helpers/site-build.ts';
import { type StaticServer, serveStatic } from './helpers/static-server.ts';

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

// The page list comes from the build itself, so a page missing from the sidebar is still checked.
const site: SharedBuild = await sharedBuild();
let server: StaticServer;
let browser: Browser;

beforeAll(async () => {
  server = await serveStatic(site.dist);
  browser = await launchBrowser();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

// Only violations are read, so axe builds no selector for the nodes that passed. The theme changes colours
// and nothing else (VitePress toggles one class on <html>; the DOM is the same), so the dark pass runs the
// rules that read colours and the light pass runs every rule.
const colourRules = ['color-contrast', 'link-in-text-block'];
const axeOptions = (scheme: 'light' | 'dark') => ({
  resultTypes: ['violations'],
  ...(scheme === 'dark' ? { runOnly: { type: 'rule', values: colourRules } } : {}),
});

// Each page is loaded once, light; the dark pass switches the theme in place, as a reader's system setting does.
describe.each(builtPages(site.dist))('axe on %s', (link) => {
  let page: Page;

  beforeAll(async () => {
    page = await browser.context.newPage();
    await page.emulateMedia({ colorScheme: 'light' });
    await page.goto(server.url + link, { waitUntil: 'networkidle' });
    await diagramsDrawn(page);
    await page.addScriptTag({ path: join(repoRoot, 'node_modules/axe-core/axe.min.js') });
  }, 120_000);

  afterAll(() => page?.close());

  it.each(['light', 'dark'] as const)(
    'in %s mode: no serious or critical violation',
    async (scheme) => {
      await switchTheme(page, scheme);
      const violations = await page.evaluate(async (options) => {
        const axe = (
          window as unknown as {
            axe: {
              run(context: Document, options: object): Promise<{ violations: Violation[] }>;
            };
          }
        ).axe;
        return (await axe.run(document, options)).violations;
      }, axeOptions(scheme));
      const severe = violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map(
          (v) =>
            `${v.impact} ${v.id}: ${v.help} — ${v.nodes
              .slice(0, 3)
              .map((n) => n.target.join(' '))
              .join(' | ')}`,
        );
      expect(severe).toEqual([]);
      // The longest pages take axe 20 s and more on a busy 2-core machine; the default 30 s is too close.
    },
    120_000,
  );
});
