// The sandbox test wallet as a key source: a broken wallet file is explained without quoting the key.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunContext } from '../../../runbooks/lib/context.ts';
import { StepError } from '../../../runbooks/lib/step.ts';
import { walletPrivateKey } from '../../../runbooks/lib/wallet.ts';

const KEY = `0x${'4c0883a6'.repeat(8)}`;
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function sandboxWith(content: string): { ctx: RunContext; secrets: string[] } {
  const dir = mkdtempSync(path.join(tmpdir(), 'runbook-wallet-'));
  dirs.push(dir);
  writeFileSync(path.join(dir, 'test-wallet.json'), content, { mode: 0o600 });
  const secrets: string[] = [];
  const ctx = {
    settings: {},
    target: { kind: 'sandbox', sandboxDir: dir },
    secret: (value: string | undefined) => {
      if (value) secrets.push(value);
    },
  } as unknown as RunContext;
  return { ctx, secrets };
}

function failure(ctx: RunContext): StepError {
  try {
    walletPrivateKey(ctx);
  } catch (error) {
    return error as StepError;
  }
  throw new Error('walletPrivateKey accepted a broken wallet file');
}

describe('walletPrivateKey from the sandbox test wallet', () => {
  it('returns the key and registers it as a secret first', () => {
    const { ctx, secrets } = sandboxWith(JSON.stringify({ address: '0x1', private_key: KEY }));
    expect(walletPrivateKey(ctx)).toBe(KEY);
    expect(secrets).toContain(KEY);
  });

  // JSON.parse's own message quotes the start of the text: here the first characters of the key.
  it.each([
    ['a single-quoted key', `'${KEY}'\n`],
    ['an env-file line', `private_key=${KEY}\n`],
    ['a bare key without 0x', `x${KEY.slice(2)}\n`],
  ])('explains %s that is not JSON without quoting any of it', (_name, content) => {
    const { ctx } = sandboxWith(content);
    const error = failure(ctx);
    expect(error).toBeInstanceOf(StepError);
    expect(error.message).toMatch(/test-wallet\.json is not a readable JSON test wallet$/);
    expect(error.hint).toMatch(/^delete .+test-wallet\.json and restart the sandbox/);
    for (const text of [error.message, error.hint ?? '']) expect(text).not.toContain(KEY.slice(2, 8));
  });

  it.each([
    ['no private_key', JSON.stringify({ address: '0x1' })],
    ['a short private_key', JSON.stringify({ private_key: '0x1234' })],
    ['a JSON null', 'null'],
  ])('explains a wallet with %s and how to recreate it', (_name, content) => {
    const error = failure(sandboxWith(content).ctx);
    expect(error).toBeInstanceOf(StepError);
    expect(error.message).toMatch(/holds no usable private_key$/);
    expect(error.hint).toMatch(/^delete .+test-wallet\.json and restart the sandbox/);
  });
});
