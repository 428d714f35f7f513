// Key files: createKeyFile makes them once (mode 0600, the broker's kid formats); loadKey takes them as the
// broker's boot does and refuses what it refuses, without ever printing the key.
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createKeyFile, loadKey } from '../../scripts/sandbox/keys.ts';

const root = mkdtempSync(join(tmpdir(), 'agentkeys-keys-'));
const dir = () => mkdtempSync(join(root, 'k-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function lineOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return (error as { line: string }).line;
  }
  throw new Error('the key file was accepted');
}

describe('createKeyFile and loadKey', () => {
  it('creates {kid, private_key_pem, purpose} with mode 0600; loading it twice gives the same key', () => {
    const path = join(dir(), 'nested', 'oidc.json');
    createKeyFile(path, 'oidc', 1_700_000_000);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const file = JSON.parse(readFileSync(path, 'utf8'));
    expect(Object.keys(file).sort()).toEqual(['kid', 'private_key_pem', 'purpose']);
    expect(file).toMatchObject({ kid: 'v1-1700000000', purpose: 'oidc' });
    expect(file.private_key_pem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const first = loadKey(path, 'oidc');
    expect(loadKey(path, 'oidc').publicJwk).toEqual(first.publicJwk);
    expect(first.publicJwk).not.toHaveProperty('d');
  });

  it('names session keys ak-session-<unix>', () => {
    const path = join(dir(), 's.json');
    createKeyFile(path, 'session', 1_700_000_001);
    expect(loadKey(path, 'session').kid).toBe('ak-session-1700000001');
  });

  it('loads an OIDC key file written before purpose tags existed', () => {
    const path = join(dir(), 'old.json');
    createKeyFile(path, 'oidc');
    const { purpose: _, ...untagged } = JSON.parse(readFileSync(path, 'utf8'));
    writeFileSync(path, JSON.stringify(untagged));
    expect(loadKey(path, 'oidc').purpose).toBe('oidc');
  });

  it.each([
    [
      'a directory',
      (p: string) => mkdirSync(p),
      /: internal: read keypair "[^"]+": Is a directory \(os error 21\);/,
    ],
    [
      'unreadable',
      (p: string) => {
        writeFileSync(p, '{}');
        chmodSync(p, 0o000);
      },
      /: internal: read keypair "[^"]+": Permission denied \(os error 13\);|: internal: parse keypair/,
    ],
    [
      'not JSON',
      (p: string) => writeFileSync(p, '{', { mode: 0o600 }),
      /: internal: parse keypair "[^"]+": not valid JSON;/,
    ],
    [
      'tagged session',
      (p: string) => {
        createKeyFile(p, 'session');
      },
      /: internal: keypair at \S+ has purpose Session but OIDC slot expects oidc;/,
    ],
    [
      'an EC key that is not PKCS#8',
      (p: string) => {
        const sec1 = generateKeyPairSync('ec', { namedCurve: 'P-256' })
          .privateKey.export({ type: 'sec1', format: 'pem' })
          .toString();
        writeFileSync(p, JSON.stringify({ kid: 'v1-1', private_key_pem: sec1, purpose: 'oidc' }), {
          mode: 0o600,
        });
      },
      /: internal: decode pkcs8 pem: /,
    ],
    [
      'a P-384 key',
      (p: string) => {
        const pem = generateKeyPairSync('ec', { namedCurve: 'P-384' })
          .privateKey.export({ type: 'pkcs8', format: 'pem' })
          .toString();
        writeFileSync(p, JSON.stringify({ kid: 'v1-1', private_key_pem: pem, purpose: 'oidc' }), {
          mode: 0o600,
        });
      },
      /: internal: decode pkcs8 pem: /,
    ],
  ])(
    'refuses an OIDC key file that is %s with oidc-keypair, without printing the key',
    (_name, spoil, reason) => {
      const path = join(dir(), 'oidc.json');
      spoil(path);
      const pem = (() => {
        try {
          return JSON.parse(readFileSync(path, 'utf8')).private_key_pem as string;
        } catch {
          return undefined;
        }
      })();
      const line = lineOf(() => loadKey(path, 'oidc'));
      expect(line.startsWith(`BOOT_FAIL: BROKER_OIDC_KEYPAIR_PATH="${path}": `)).toBe(true);
      expect(line.endsWith('; see runbook §oidc-keypair')).toBe(true);
      expect(line).toMatch(reason);
      if (pem) expect(line).not.toContain(pem.split('\n')[1]);
    },
  );

  it('refuses an OIDC key file under BROKER_SESSION_KEYPAIR_PATH with the session-keypair anchor', () => {
    const path = join(dir(), 's.json');
    createKeyFile(path, 'oidc');
    expect(lineOf(() => loadKey(path, 'session'))).toBe(
      `BOOT_FAIL: BROKER_SESSION_KEYPAIR_PATH="${path}": internal: keypair at ${path} has purpose Oidc but slot expects Session; see runbook §session-keypair`,
    );
  });
});
