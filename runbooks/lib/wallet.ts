// Where the wallet key for the SIWE sign-in comes from: the environment, or the sandbox's test wallet.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { RunContext } from './context.ts';
import { StepError } from './step.ts';
import type { Target } from './target.ts';

/** The sandbox's test wallet file, when the target is a sandbox that has one. */
export function sandboxWalletFile(target: Target): string | undefined {
  if (target.kind !== 'sandbox' || !target.sandboxDir) return undefined;
  const file = path.join(target.sandboxDir, 'test-wallet.json');
  return existsSync(file) ? file : undefined;
}

/** The private key to sign with; registered as a secret before it is returned. */
export function walletPrivateKey(ctx: RunContext): `0x${string}` {
  const fromEnv = ctx.settings.walletPrivateKey;
  if (fromEnv) {
    ctx.secret(fromEnv);
    return fromEnv as `0x${string}`;
  }
  const file = sandboxWalletFile(ctx.target);
  if (!file) {
    throw new StepError('no wallet key to sign in with', {
      hint: 'set AGENTKEYS_WALLET_PRIVATE_KEY (your operator wallet) or AGENTKEYS_SESSION_JWT',
      exitCode: 2,
    });
  }
  // The sandbox reuses an existing wallet file, so a broken one has to be deleted to be made anew.
  const recreate = `delete ${file} and restart the sandbox (npm run sandbox) to create a new test wallet`;
  let wallet: { private_key?: string };
  try {
    wallet = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    // JSON.parse quotes the start of the text in its message, and the text is a private key.
    throw new StepError(`${file} is not a readable JSON test wallet`, { hint: recreate });
  }
  ctx.secret(wallet?.private_key);
  if (typeof wallet?.private_key !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(wallet.private_key)) {
    throw new StepError(`${file} holds no usable private_key`, { hint: recreate });
  }
  return wallet.private_key as `0x${string}`;
}
