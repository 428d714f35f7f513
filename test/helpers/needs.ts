// What some suites need from the machine beyond node_modules: moto (the AWS emulator) and Debian's Chromium.
// Without it a suite is skipped with the reason in its title; under CI=true it fails at its start instead, with
// one line saying what is missing and how to install it, so CI's result never depends on what happens to be
// installed.
import { existsSync } from 'node:fs';
import { describe } from 'vitest';
import { findMoto, MOTO_INSTALL_HINT } from '../../scripts/sandbox/moto.ts';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export const TOOLS = {
  moto: {
    missing: 'moto is not installed (no moto_server on PATH, no python3 module moto.server)',
    install: MOTO_INSTALL_HINT,
    found: (env: NodeJS.ProcessEnv) => findMoto(env) !== null,
  },
  chromium: {
    missing: `Chromium is not installed (no ${CHROMIUM_PATH})`,
    install: 'apt-get install -y chromium',
    found: (_env: NodeJS.ProcessEnv) => existsSync(CHROMIUM_PATH),
  },
} as const;

export type Tool = keyof typeof TOOLS;

/** A missing tool under CI: the message is the whole story, so no stack trace is shown with it. */
export class MissingTool extends Error {
  override name = 'MissingTool';
  constructor(message: string) {
    super(message);
    this.stack = `${this.name}: ${message}`;
  }
}

/** The one line that says what is missing and how to install it. */
export function missingLine(tool: Tool): string {
  return `${TOOLS[tool].missing}; install it with: ${TOOLS[tool].install}`;
}

/**
 * Whether the machine has `tool`. When it does not: under CI=true throws MissingTool (the suite fails as it
 * starts); elsewhere returns the reason to skip with.
 */
export function needs(
  tool: Tool,
  env: NodeJS.ProcessEnv = process.env,
): { ok: true } | { ok: false; reason: string } {
  if (TOOLS[tool].found(env)) return { ok: true };
  if (env.CI && env.CI !== 'false' && env.CI !== '0')
    throw new MissingTool(`${missingLine(tool)} (CI=true: suites that need it fail rather than skip)`);
  return { ok: false, reason: missingLine(tool) };
}

/** A suite's title, with the reason it is skipped when the tool is missing. */
export function titled(title: string, found: ReturnType<typeof needs>): string {
  return found.ok ? title : `${title} (skipped: ${found.reason})`;
}

/** `describe` for a suite that needs `tool`: skipped with the reason in its title, or failing at once under CI. */
export function describeWith(tool: Tool, title: string, suite: () => void): void {
  const found = needs(tool);
  describe.skipIf(!found.ok)(titled(title, found), suite);
}
