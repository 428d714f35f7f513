// What `npm start` serves, as a newcomer opens it: the dev server from the URL it prints, every sidebar
// page in Chromium with its h1 drawn, no page error, and no module or asset request that failed.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killMarked, processMark } from '../helpers/processes.ts';
import { type Browser, diagramsDrawn, launchBrowser } from './helpers/browser.ts';
import { sidebarLinks } from './helpers/pages.ts';
import { repoRoot } from './helpers/site-build.ts';

const { mark, env: markEnv } = processMark();
let child: ChildProcessWithoutNullStreams;
let url: string;
let browser: Browser;

beforeAll(async () => {
  child = spawn('npm', ['start', '--', '--no-runbook', '--port', '0'], {
    cwd: repoRoot,
    env: { ...process.env, ...markEnv, NO_COLOR: '1' },
    detached: true,
  });
  url = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /AgentKeys docs: (http:\/\/127\.0\.0\.1:\d+)\//.exec(output);
      if (match) resolve(match[1] as string);
    });
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('exit', (code) =>
      reject(new Error(`npm start exited ${code} before printing a URL:\n${output}`)),
    );
  });
  browser = await launchBrowser();
}, 180_000);

/** A fresh tab per page, so a request the previous page left in flight is not blamed on this one. */
async function open(link: string): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message.split('\n')[0]}`));
  page.on('requestfailed', (request) =>
    problems.push(`failed: ${request.url()} (${request.failure()?.errorText})`),
  );
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`${response.status()}: ${response.url()}`);
  });
  const response = await page.goto(url + link, { waitUntil: 'load', timeout: 120_000 });
  expect(response?.status()).toBe(200);
  return { page, problems };
}

afterAll(async () => {
  await browser?.close();
  if (child?.pid && child.exitCode === null) {
    try {
      process.kill(-child.pid, 'SIGINT');
    } catch {}
  }
  killMarked(mark);
});

describe('the dev server npm start serves', () => {
  it.each(sidebarLinks())(
    '%s renders its h1 with no page error and no failed request',
    async (link) => {
      const { page, problems } = await open(link);
      try {
        // The dev server renders on the client: the h1 exists once the app has mounted (the home page's is
        // its hero's name, outside the document body).
        await page.locator('h1').first().waitFor({ timeout: 60_000 });
        // Diagrams load their own modules after the page; they count too.
        await diagramsDrawn(page);
        await page.waitForLoadState('networkidle');
        expect(problems).toEqual([]);
        expect(await page.locator('h1').count()).toBe(1);
      } finally {
        await page.close();
      }
    },
    180_000,
  );
});
