// The built site in Chromium: every page loads cleanly and draws its diagrams, links resolve, search, the
// retired callout. (Layout and accessibility have their own files: layout.test.ts, a11y.test.ts.)
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Browser,
  countDiagramErrors,
  diagramErrorsDrawn,
  diagramsDrawn,
  launchBrowser,
} from './helpers/browser.ts';
import { allPages, sidebarLinks } from './helpers/pages.ts';
import { repoRoot, sharedBuild } from './helpers/site-build.ts';
import { type StaticServer, serveStatic } from './helpers/static-server.ts';

let server: StaticServer;
let browser: Browser;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  const site = await sharedBuild();
  server = await serveStatic(site.dist);
  browser = await launchBrowser();
  page = await browser.context.newPage();
  await countDiagramErrors(page);
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text().split('\n')[0]}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message.split('\n')[0]}`));
  // A navigation cancels (ERR_ABORTED) what the previous page still loaded, which is not a failure.
  page.on('requestfailed', (request) => {
    if (request.failure()?.errorText !== 'net::ERR_ABORTED')
      problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`);
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function visit(link: string): Promise<string[]> {
  problems.length = 0;
  const response = await page.goto(server.url + link, { waitUntil: 'networkidle' });
  expect(response?.status(), link).toBe(200);
  await diagramsDrawn(page);
  // The first visit of this tab loads Mermaid cold, the case where its own start-up once drew an error
  // graphic into every diagram before the real one replaced it.
  const errorGraphics = await diagramErrorsDrawn(page);
  if (errorGraphics > 0) problems.push(`${errorGraphics} Mermaid error graphic(s) drawn while loading`);
  return [...problems];
}

/** Each diagram's kind as Mermaid labels it ('error' for a diagram that failed). */
function diagramKinds(): Promise<(string | null)[]> {
  return page
    .locator('.vp-doc .mermaid svg')
    .evaluateAll((svgs) => svgs.map((svg) => svg.getAttribute('aria-roledescription')));
}

describe('every page in Chromium', () => {
  it.each(sidebarLinks())(
    '%s loads without console errors, has one h1 and draws every diagram',
    async (link) => {
      expect(await visit(link)).toEqual([]);
      expect(await page.locator('h1').count()).toBe(1);
      const kinds = await diagramKinds();
      expect(kinds).toHaveLength(await page.locator('.vp-doc .mermaid').count());
      expect(kinds).not.toContain('error');
    },
  );

  it('the architecture page draws the trust boundaries, the mint flow and the AWS trust chain', async () => {
    expect(await visit('/arch')).toEqual([]);
    expect(await diagramKinds()).toEqual(['flowchart-v2', 'sequence', 'sequence', 'flowchart-v2']);
  });

  it('every internal link answers 200 and every in-site anchor exists on its page', async () => {
    const pending = [...allPages()];
    const seen = new Set<string>(pending);
    const broken: string[] = [];
    const anchors: { from: string; path: string; hash: string }[] = [];
    const html = new Map<string, string>();
    while (pending.length > 0) {
      const path = pending.shift() as string;
      const response = await fetch(server.url + path);
      if (response.status !== 200) {
        broken.push(`${path} answered ${response.status}`);
        continue;
      }
      const text = await response.text();
      html.set(path, text);
      for (const [, href] of text.matchAll(/<a [^>]*href="([^"]+)"/g)) {
        const url = new URL((href as string).replace(/&amp;/g, '&'), server.url + path);
        if (url.origin !== server.url) continue;
        if (url.hash.length > 1)
          anchors.push({ from: path, path: url.pathname, hash: decodeURIComponent(url.hash.slice(1)) });
        if (!seen.has(url.pathname)) {
          seen.add(url.pathname);
          pending.push(url.pathname);
        }
      }
    }
    for (const { from, path, hash } of anchors) {
      const target = html.get(path);
      if (target && !target.includes(`id="${hash}"`))
        broken.push(`${from} links to ${path}#${hash}, which has no such id`);
    }
    expect(broken).toEqual([]);
    expect(seen.size).toBeGreaterThanOrEqual(allPages().length);
  });
});

describe('site features', () => {
  it('local search finds mint-oidc-jwt and offers the runbook page', async () => {
    await visit('/');
    await page.locator('.VPNavBarSearch button').click();
    await page.locator('#localsearch-input').fill('mint-oidc-jwt');
    const results = page.locator('#localsearch-list a.result');
    await results.first().waitFor();
    const hrefs = await results.evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? ''));
    expect(hrefs.some((href) => href.startsWith('/operator-runbook-stage7'))).toBe(true);
    // The generated API page is indexed too, down to the route's own anchor.
    expect(hrefs).toContain('/reference/broker-api#post-v1-mint-oidc-jwt');
  });

  it('the retired callout renders with its class, label and every surface', async () => {
    await visit('/retired');
    const callout = page.locator('.vp-doc div.custom-block.retired');
    await expect.poll(() => callout.count()).toBe(1);
    expect(await callout.locator('.custom-block-title .retired-label').textContent()).toBe('Retired');
    expect(await callout.locator('.retired-entry h3').count()).toBeGreaterThan(0);
    const style = await callout.evaluate((el) => getComputedStyle(el).borderLeftWidth);
    expect(style).toBe('6px');
  });

  it('a Mermaid diagram renders to SVG', async () => {
    expect(await visit('/')).toEqual([]);
    const svg = page.locator('.vp-doc .mermaid svg').first();
    await svg.waitFor();
    expect(await svg.locator('text').count()).toBeGreaterThan(4);
  });

  it('saves screenshots of the home and runbook pages in light and dark', async () => {
    const folder = join(repoRoot, 'artifacts/screenshots');
    mkdirSync(folder, { recursive: true });
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const [name, link] of [
        ['home', '/'],
        ['runbook', '/operator-runbook-stage7'],
      ] as const) {
        await visit(link);
        expect(await page.evaluate(() => document.documentElement.classList.contains('dark'))).toBe(
          scheme === 'dark',
        );
        await page.screenshot({ path: join(folder, `${name}-${scheme}.png`), fullPage: name === 'home' });
      }
    }
    await page.emulateMedia({ colorScheme: 'light' });
  });
});
