// What an operator sees in Chromium at 1440×900 and 390×844, light and dark: diagram labels large enough to
// read and not clipped, code and output that hide nothing sideways, generated tables that never split a word
// (and become cards on a phone), a cue on whatever still scrolls; plus the 404 page and search ranking.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, diagramsDrawn, launchBrowser, switchTheme } from './helpers/browser.ts';
import { repoRoot, sharedBuild } from './helpers/site-build.ts';
import { type StaticServer, serveStatic } from './helpers/static-server.ts';

interface Label {
  diagram: number;
  label: string;
  fontPx: number;
  clipped: boolean;
}
interface Measure {
  diagramLabels(): Label[];
  hiddenCode(): { index: number; lang: string; line: string }[];
  brokenWords(selector: string): { word: string; cell: string }[];
  tableLayouts(
    selector: string,
  ): { rowDisplay: string; headVisible: boolean; label: string; overflows: boolean }[];
  sidewaysScrollers(): { tag: string; className: string; cue: string; masked: boolean; focusable: boolean }[];
}

const viewports = {
  desktop: { width: 1440, height: 900, minFont: 14 },
  phone: { width: 390, height: 844, minFont: 12 },
} as const;
/** Tables rendered from env.yaml, the OpenAPI file and drift.yaml. */
const generatedTables =
  '.vp-doc table.ak-table, .vp-doc .runbook-env table, .vp-doc .env-table, .vp-doc .api-responses';
const diagramPages = ['/', '/arch'];
// Pages whose every code block must show all of its text (output wraps; commands break with `\` or wrap).
const codePages = [
  '/arch',
  '/dev-setup',
  '/reference/broker-api',
  '/reference/env',
  '/reference/drift-rules',
];
const tablePages = ['/reference/env', '/reference/broker-api', '/operator-runbook-stage7'];

let server: StaticServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  const site = await sharedBuild();
  server = await serveStatic(site.dist);
  browser = await launchBrowser();
  page = await browser.context.newPage();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function open(link: string): Promise<void> {
  await page.goto(server.url + link, { waitUntil: 'networkidle' });
  // Every diagram drawn before anything is measured: a page measured half-drawn reports too few labels.
  await diagramsDrawn(page);
  await page.addScriptTag({ path: join(repoRoot, 'test/site/helpers/measure.browser.js') });
}

/** enhance.ts marks scrollers on the next animation frame after the content settles. */
async function settle(): Promise<void> {
  await page.evaluate(
    () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))),
  );
}

const measure = <T>(fn: (m: Measure, arg: string) => T, arg = ''): Promise<T> =>
  page.evaluate(
    ([source, value]) => {
      const m = (window as unknown as { __akMeasure: Measure }).__akMeasure;
      return new Function('m', 'arg', `return (${source})(m, arg)`)(m, value) as T;
    },
    [fn.toString(), arg] as const,
  );

// Each page is opened once per viewport, light; the dark pass switches the theme in place, as a reader's
// system setting does. Every check that applies to the page reads that rendering.
const layoutPages = [
  ...new Set([...diagramPages, ...codePages, ...tablePages, '/stage7-demo-and-verification']),
];

describe.each(['desktop', 'phone'] as const)('%s', (viewport) => {
  describe.each(layoutPages)('%s', (link) => {
    beforeAll(async () => {
      const { width, height } = viewports[viewport];
      await page.setViewportSize({ width, height });
      await page.emulateMedia({ colorScheme: 'light' });
      await open(link);
    });

    describe.each(['light', 'dark'] as const)('%s', (scheme) => {
      beforeAll(async () => {
        await switchTheme(page, scheme);
        await settle();
      });

      if (diagramPages.includes(link))
        it('every diagram label is large enough and inside its box', async () => {
          const labels = await measure((m) => m.diagramLabels());
          expect(labels.length).toBeGreaterThan(10);
          const small = labels.filter((l) => l.fontPx < viewports[viewport].minFont - 0.01);
          expect(small.map((l) => `${l.label}: ${l.fontPx.toFixed(1)}px`)).toEqual([]);
          expect(labels.filter((l) => l.clipped).map((l) => l.label)).toEqual([]);
        });

      if (codePages.includes(link))
        it('no code block hides text sideways', async () => {
          expect(await measure((m) => m.hiddenCode())).toEqual([]);
        });

      if (tablePages.includes(link))
        it('generated tables break lines only between words', async () => {
          const layouts = await measure((m, s) => m.tableLayouts(s), generatedTables);
          expect(layouts.length).toBeGreaterThan(0);
          expect(await measure((m, s) => m.brokenWords(s), generatedTables)).toEqual([]);
          if (viewport === 'phone') {
            // Cards: every row is a block, the header row takes no room, each value is named by its column.
            for (const table of layouts) {
              expect(table).toMatchObject({ rowDisplay: 'block', headVisible: false, overflows: false });
              expect(table.label).not.toBe('none');
            }
          } else {
            for (const table of layouts)
              expect(table).toMatchObject({ rowDisplay: 'table-row', overflows: false });
          }
        });

      it('whatever still scrolls sideways shows it and takes keyboard focus', async () => {
        const scrollers = await measure((m) => m.sidewaysScrollers());
        expect(scrollers.filter((s) => !s.masked || !s.focusable || !s.cue)).toEqual([]);
        // What a reviewer compares between changes: the first screen of each page, per viewport and theme.
        const name = link.split('/').pop() || 'home';
        await page.screenshot({
          path: join(repoRoot, 'artifacts/screenshots', `${name}-${viewport}-${scheme}.png`),
        });
      });
    });
  });
});

describe('the 404 page', () => {
  beforeAll(async () => {
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('offers a search and the pages whose names come closest', async () => {
    const response = await page.goto(`${server.url}/envirnoment-varables`, { waitUntil: 'networkidle' });
    expect(response?.status()).toBe(404);
    const suggestions = await page
      .locator('.ak-not-found-suggestions a')
      .evaluateAll((links) => links.map((a) => a.getAttribute('href')));
    expect(suggestions[0]).toBe('/reference/env');
    await page.locator('#ak-not-found-query').fill('mint');
    await page.locator('.ak-not-found-search button').click();
    await expect.poll(() => page.locator('#localsearch-input').inputValue()).toBe('mint');
    await page.locator('#localsearch-list a.result').first().waitFor();
    await page.keyboard.press('Escape');
  });

  it.each([
    ['/runbook', '/operator-runbook-stage7'],
    ['/docs/arch.md', '/arch'],
    ['/docs/reference/env.md#broker-oidc-issuer', '/reference/env#broker-oidc-issuer'],
  ])('sends %s, which moved, to %s', async (from, to) => {
    await page.goto(server.url + from);
    await page.waitForURL((url) => `${url.pathname}${url.hash}` === to, { timeout: 15_000 });
    expect(await page.locator('h1').first().textContent()).toBeTruthy();
  });
});

describe('search', () => {
  async function results(query: string, detailed = false) {
    await page.goto(`${server.url}/`, { waitUntil: 'networkidle' });
    await page.locator('.VPNavBarSearch button').click();
    await page.locator('#localsearch-input').fill(query);
    await page.locator('#localsearch-list a.result').first().waitFor();
    const toggle = page.locator('.search-actions button.toggle-layout-button');
    if (detailed && !(await toggle.getAttribute('class'))?.includes('detailed-list')) await toggle.click();
    if (detailed) await page.locator('#localsearch-list .excerpt').first().waitFor();
    // The list settles after a debounce; read it once two reads a moment apart agree.
    let last = '';
    for (;;) {
      const now = await page.locator('#localsearch-list').innerHTML();
      if (now === last) break;
      last = now;
      await page.waitForTimeout(300);
    }
    return page.locator('#localsearch-list a.result').evaluateAll((links) =>
      links.map((a) => {
        const path = (a.getAttribute('aria-label') ?? '').split(' > ');
        return {
          href: a.getAttribute('href') ?? '',
          title: path.at(-1) ?? '',
          parents: path.slice(0, -1),
          excerpt: (a.querySelector('.excerpt')?.textContent ?? '').trim(),
        };
      }),
    );
  }

  // A retired hit: a surface's own entry ("Retired: …") or any section of the retired-surfaces page.
  const isRetired = (h: { title: string; href: string }) =>
    h.title.startsWith('Retired:') || h.href.startsWith('/retired');
  const order = (hits: { title: string; href: string }[]) => ({
    retired: hits.flatMap((h, i) => (isRetired(h) ? [i] : [])),
    live: hits.flatMap((h, i) => (isRetired(h) ? [] : [i])),
  });

  it('puts the live mint route first for "mint", with no retired surface above a live hit', async () => {
    const hits = await results('mint');
    expect(hits[0]?.href).toBe('/reference/broker-api#post-v1-mint-oidc-jwt');
    const { retired, live } = order(hits);
    expect(live.length).toBeGreaterThan(5);
    for (const r of retired) expect(r).toBeGreaterThan(Math.max(...live));
  });

  it('ranks retired surfaces below every live hit with the same words ("idempotency")', async () => {
    const { retired, live } = order(await results('idempotency'));
    expect(retired.length).toBeGreaterThan(0);
    expect(live.length).toBeGreaterThan(0);
    expect(Math.min(...retired)).toBeGreaterThan(Math.max(...live));
  });

  it('shows a retired surface as "Retired: …" under its own heading, with an excerpt', async () => {
    const hits = await results('idempotency', true);
    const hit = hits.find((h) => h.href === '/retired#retired-header-idempotency-key');
    expect(hit?.title).toBe('Retired: Idempotency-Key');
    expect(hit?.parents).toEqual(['Retired surfaces', 'What was retired']);
    expect(hit?.excerpt.length ?? 0).toBeGreaterThan(20);
    await page.keyboard.press('Escape');
  });
});
