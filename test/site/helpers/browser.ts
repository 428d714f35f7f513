// Debian's Chromium driven by playwright-core, with a throwaway profile; never a downloaded browser.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { CHROMIUM_PATH, MissingTool, needs } from '../../helpers/needs.ts';

export const chromiumPath = CHROMIUM_PATH;

// Under CI=true a suite importing this fails as it loads when Chromium is missing; elsewhere at its first launch.
const available = needs('chromium');

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(colorScheme: 'light' | 'dark' = 'light'): Promise<Browser> {
  if (!available.ok) throw new MissingTool(available.reason);
  const profile = mkdtempSync(join(tmpdir(), 'agentkeys-chromium-'));
  // The profile folder is playwright's userDataDir, which it passes to Chromium as --user-data-dir.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    viewport: { width: 1280, height: 900 },
    colorScheme,
  });
  return {
    context,
    close: async () => {
      try {
        await context.close();
      } finally {
        rmSync(profile, { recursive: true, force: true });
      }
    },
  };
}

/**
 * Counts, from before the page's own scripts run, every Mermaid error graphic ("Syntax error in text") drawn
 * into any page this tab loads, so one that shows only for a moment is caught as well as one that stays.
 */
export async function countDiagramErrors(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const seen = new Set<Element>();
    const record = () => {
      document.querySelectorAll('svg[aria-roledescription="error"]').forEach((svg) => {
        seen.add(svg);
      });
    };
    new MutationObserver(record).observe(document, { childList: true, subtree: true });
    (window as unknown as { __akDiagramErrors: () => number }).__akDiagramErrors = () => seen.size;
  });
}

/** How many error graphics the page has drawn since it loaded (countDiagramErrors must be set up first). */
export function diagramErrorsDrawn(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as { __akDiagramErrors: () => number }).__akDiagramErrors());
}

/**
 * Waits until every diagram on the page is drawn with its labels and no Mermaid render is in progress (a
 * render keeps a temporary `#d<id>` element in the page and takes the diagram's drawing out until it ends).
 * On a busy machine Mermaid can take well over 15 s; a diagram that never draws fails here, loudly.
 */
export async function diagramsDrawn(page: Page, timeout = 90_000): Promise<void> {
  await page.waitForFunction(
    () =>
      !document.querySelector('[id^="dmermaid-"]') &&
      Array.from(document.querySelectorAll('.vp-doc .mermaid')).every((el) =>
        el.querySelector('svg g text, svg g foreignObject'),
      ),
    null,
    { timeout },
  );
}

/**
 * Switches the page between light and dark as a reader's system setting does, without reloading: VitePress
 * follows the media query and Mermaid draws every diagram again in the new theme. Resolves once the page is
 * in that theme and every diagram drawn before the switch has been replaced.
 */
export async function switchTheme(page: Page, scheme: 'light' | 'dark'): Promise<void> {
  const dark = scheme === 'dark';
  if ((await page.evaluate(() => document.documentElement.classList.contains('dark'))) === dark) return;
  await page.evaluate(() => {
    document.querySelectorAll('.vp-doc .mermaid svg').forEach((svg) => {
      svg.setAttribute('data-ak-before-switch', '');
    });
  });
  await page.emulateMedia({ colorScheme: scheme });
  await page.waitForFunction(
    (wanted) =>
      document.documentElement.classList.contains('dark') === wanted &&
      !document.querySelector('.vp-doc .mermaid svg[data-ak-before-switch]'),
    dark,
    { timeout: 90_000 },
  );
  await diagramsDrawn(page);
}
