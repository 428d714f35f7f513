// Debian's Chromium driven by playwright-core, with a throwaway profile; never a downloaded browser.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
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
