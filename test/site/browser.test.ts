// The built site in Chromium, one browser for every check. Each page is loaded once per viewport, light, and
// switched to dark in place, as a reader's system setting does; every check that applies reads that rendering:
// a clean load with every diagram drawn, axe-core (no serious or critical violation), and what an operator sees
// at 1440×900 and 390×844 — diagram labels large enough and not clipped, code and output that hide nothing
// sideways, generated tables that never split a word (cards on a phone), a cue on whatever still scrolls.
// Then the features: internal links and anchors, search and its ranking, the retired callout, the 404 page.
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
  switchTheme,
} from './helpers/browser.ts';
import { allPages, builtPages, sidebarLinks } from './helpers/pages.ts';
import { repoRoot, type SharedBuild, sharedBuild } from './helpers/site-build.ts';
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
interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}
type Viewport = keyof typeof viewports;
type Scheme = 'light' | 'dark';

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
/** The pages whose layout is measured, on the desktop and on a phone. */
const layoutPages = [
  ...new Set([...diagramPages, ...codePages, ...tablePages, '/stage7-demo-and-verification']),
];
const screenshots = join(repoRoot, 'artifacts/screenshots');

// The page list comes from the build itself, so a page missing from the sidebar is still checked.
const site: SharedBuild = await sharedBuild();
const pages = builtPages(site.dist);
let server: StaticServer;
let browser: Browser;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  mkdirSync(screenshots, { recursive: true });
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

/** Loads a page in light mode at a viewport, with every diagram drawn and the in-page helpers added. */
async function open(link: string, viewport: Viewport): Promise<void> {
  const { width, height } = viewports[viewport];
  await page.setViewportSize({ width, height });
  await page.emulateMedia({ colorScheme: 'light' });
  problems.length = 0;
  const response = await page.goto(server.url + link, { waitUntil: 'networkidle' });
  expect(response?.status(), link).toBe(200);
  // Every diagram drawn before anything is measured: a page measured half-drawn reports too few labels.
  await diagramsDrawn(page);
  await page.addScriptTag({ path: join(repoRoot, 'test/site/helpers/measure.browser.js') });
  await page.addScriptTag({ path: join(repoRoot, 'node_modules/axe-core/axe.min.js') });
}

/** Switches the theme in place and waits until enhance.ts has marked the scrollers (on the next frames). */
async function inScheme(scheme: Scheme): Promise<void> {
  await switchTheme(page, scheme);
  await page.evaluate(
    () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))),
  );
}

/** What went wrong since the page began to load: console errors, page errors, failed requests, error graphics. */
async function loadProblems(): Promise<string[]> {
  // The first load of this tab fetches Mermaid cold, the case where its own start-up once drew an error
  // graphic into every diagram before the real one replaced it.
  const errorGraphics = await diagramErrorsDrawn(page);
  return [...problems, ...(errorGraphics > 0 ? [`${errorGraphics} Mermaid error graphic(s) drawn`] : [])];
}

/** Each diagram's kind as Mermaid labels it ('error' for a diagram that failed). */
function diagramKinds(): Promise<(string | null)[]> {
  return page
    .locator('.vp-doc .mermaid svg')
    .evaluateAll((svgs) => svgs.map((svg) => svg.getAttribute('aria-roledescription')));
}

const measure = <T>(fn: (m: Measure, arg: string) => T, arg = ''): Promise<T> =>
  page.evaluate(
    ([source, value]) => {
      const m = (window as unknown as { __akMeasure: Measure }).__akMeasure;
      return new Function('m', 'arg', `return (${source})(m, arg)`)(m, value) as T;
    },
    [fn.toString(), arg] as const,
  );

// Only violations are read, so axe builds no selector for the nodes that passed. The theme changes colours
// and nothing else (VitePress toggles one class on <html>; the DOM is the same), so the dark pass runs the
// rules that read colours and the light pass runs every rule.
const colourRules = ['color-contrast', 'link-in-text-block'];
const axeOptions = (scheme: Scheme) => ({
  resultTypes: ['violations'],
  ...(scheme === 'dark' ? { runOnly: { type: 'rule', values: colourRules } } : {}),
});

async function severeViolations(scheme: Scheme): Promise<string[]> {
  const violations = await page.evaluate(async (options) => {
    const axe = (
      window as unknown as {
        axe: { run(context: Document, options: object): Promise<{ violations: Violation[] }> };
      }
    ).axe;
    return (await axe.run(document, options)).violations;
  }, axeOptions(scheme));
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.impact} ${v.id}: ${v.help} — ${v.nodes
          .slice(0, 3)
          .map((n) => n.target.join(' '))
          .join(' | ')}`,
    );
}

/** The layout checks that apply to a page, in the viewport and theme it is shown in. */
function layoutChecks(link: string, viewport: Viewport, scheme: Scheme): void {
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
    await page.screenshot({ path: join(screenshots, `${name}-${viewport}-${scheme}.png`) });
  });
}

it('every sidebar entry is a built page', () => {
  expect(sidebarLinks().filter((link) => !pages.includes(link))).toEqual([]);
});

describe.each(pages)('%s on the desktop', (link) => {
  beforeAll(() => open(link, 'desktop'), 180_000);

  it('has one h1', async () => {
    expect(await page.locator('h1').count()).toBe(1);
  });

  if (link === '/arch')
    it('draws the trust boundaries, the mint flow and the AWS trust chain', async () => {
      expect(await diagramKinds()).toEqual(['flowchart-v2', 'sequence', 'sequence', 'flowchart-v2']);
    });

  if (link === '/')
    it('draws its Mermaid diagram to SVG with its labels', async () => {
      const svg = page.locator('.vp-doc .mermaid svg').first();
      expect(await svg.locator('text').count()).toBeGreaterThan(4);
    });

  if (link === '/retired')
    it('renders the retired callout with its class, label and every surface', async () => {
      const callout = page.locator('.vp-doc div.custom-block.retired');
      await expect.poll(() => callout.count()).toBe(1);
      expect(await callout.locator('.custom-block-title .retired-label').textContent()).toBe('Retired');
      expect(await callout.locator('.retired-entry h3').count()).toBeGreaterThan(0);
      expect(await callout.evaluate((el) => getComputedStyle(el).borderLeftWidth)).toBe('6px');
    });

  describe.each(['light', 'dark'] as const)('%s', (scheme) => {
    beforeAll(() => inScheme(scheme), 180_000);

    it('draws every diagram with no console error, failed request or error graphic', async () => {
      expect(await loadProblems()).toEqual([]);
      const kinds = await diagramKinds();
      expect(kinds).toHaveLength(await page.locator('.vp-doc .mermaid').count());
      expect(kinds).not.toContain('error');
    });

    // The longest pages take axe 20 s and more on a busy 2-core machine; the default 60 s is kept for margin.
    it('axe: no serious or critical violation', async () => {
      expect(await severeViolations(scheme)).toEqual([]);
    }, 120_000);

    if (layoutPages.includes(link)) layoutChecks(link, 'desktop', scheme);

    if (link === '/')
      it('saves a full-page screenshot of the home page', async () => {
        await page.screenshot({ path: join(screenshots, `home-${scheme}.png`), fullPage: true });
      });
  });
});

describe.each(layoutPages)('%s on a phone', (link) => {
  beforeAll(() => open(link, 'phone'), 180_000);

  describe.each(['light', 'dark'] as const)('%s', (scheme) => {
    beforeAll(() => inScheme(scheme), 180_000);

    it('loads and draws with no console error, failed request or error graphic', async () => {
      expect(await loadProblems()).toEqual([]);
    });

    layoutChecks(link, 'phone', scheme);
  });
});

describe('links', () => {
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

describe('the 404 page', () => {
  beforeAll(async () => {
    await page.setViewportSize({ width: viewports.desktop.width, height: viewports.desktop.height });
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

  it('finds mint-oidc-jwt on the runbook and down to the generated API page’s own anchor', async () => {
    const hrefs = (await results('mint-oidc-jwt')).map((hit) => hit.href);
    expect(hrefs.some((href) => href.startsWith('/operator-runbook-stage7'))).toBe(true);
    expect(hrefs).toContain('/reference/broker-api#post-v1-mint-oidc-jwt');
    await page.keyboard.press('Escape');
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
