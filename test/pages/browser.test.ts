// The main pages in Chromium: they hydrate without console errors, and every Mermaid diagram renders to an SVG
// (a syntax error in a diagram renders as an error graphic instead, which this catches).
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, launchBrowser } from '../site/helpers/browser.ts';
import { type StaticServer, serveStatic } from '../site/helpers/static-server.ts';
import { builtSite, mainPages } from './helpers/built-pages.ts';

const pages = [...mainPages, 'runbook-template'];

describe('main pages in Chromium', () => {
  let browser: Browser;
  let server: StaticServer;

  beforeAll(async () => {
    server = await serveStatic(await builtSite());
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function open(path: string): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(msg.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${server.url}/${path}`, { waitUntil: 'networkidle' });
    return { page, errors };
  }

  // Diagrams render asynchronously and may pass through a transient state; a broken one stays an error.
  async function settledDiagrams(page: Page): Promise<(string | null)[]> {
    const count = await page.locator('.vp-doc .mermaid').count();
    await page
      .waitForFunction(
        (n) => {
          const svgs = Array.from(document.querySelectorAll('.vp-doc .mermaid svg'));
          return (
            svgs.length >= n && svgs.every((svg) => svg.getAttribute('aria-roledescription') !== 'error')
          );
        },
        count,
        { timeout: 20_000 },
      )
      .catch(() => undefined);
    return page
      .locator('.vp-doc .mermaid svg')
      .evaluateAll((svgs) => svgs.map((svg) => svg.getAttribute('aria-roledescription')));
  }

  it.each(pages)('%s renders its diagrams without console errors', async (path) => {
    const { page, errors } = await open(path);
    try {
      const diagrams = await page.locator('.vp-doc .mermaid').count();
      const kinds = await settledDiagrams(page);
      expect(kinds).toHaveLength(diagrams);
      expect(kinds).not.toContain('error');
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('architecture page draws the trust boundaries, the mint flow and the AWS trust chain', async () => {
    const { page } = await open('arch');
    try {
      expect(await settledDiagrams(page)).toEqual(['flowchart-v2', 'sequence', 'sequence', 'flowchart-v2']);
    } finally {
      await page.close();
    }
  });
});
