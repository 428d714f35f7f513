// Signs a SIWE message (EIP-191 personal_sign) for the runbook's by-hand sign-in: the message on stdin, the
// key from AGENTKEYS_WALLET_PRIVATE_KEY or the sandbox's test wallet file (--wallet-file), never from the
// command line; prints the 0x signature. A wallet app or another signer does the same job.
import { readFileSync } from 'node:fs';
import { privateKeyToAccount } from 'viem/accounts';

function fail(message: string): never {
  process.stderr.write(`sign-siwe: ${message}\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
const fileAt = args.indexOf('--wallet-file');
let key = process.env.AGENTKEYS_WALLET_PRIVATE_KEY;
if (fileAt >= 0) {
  const file = args[fileAt + 1] ?? fail('--wallet-file needs a path');
  try {
    key = (JSON.parse(readFileSync(file, 'utf8')) as { private_key?: string }).private_key;
  } catch {
    fail(`${file} is not a readable JSON wallet file with private_key`);
  }
}
if (!key || !/^0x[0-9a-fA-F]{64}$/.test(key)) {
  fail('set AGENTKEYS_WALLET_PRIVATE_KEY (0x + 64 hex) or give --wallet-file FILE');
}
const message = readFileSync(0, 'utf8');
if (message.trim() === '') fail('no message on stdin');
const signature = await privateKeyToAccount(key as `0x${string}`).signMessage({ message });
process.stdout.write(`${signature}\n`);
