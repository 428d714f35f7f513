// Key files: created once with mode 0600 and the contract's kid formats, reused on restart, refused when unsafe.
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOrCreateKey } from '../../scripts/sandbox/keys.ts';

const root = mkdtempSync(join(tmpdir(), 'agentkeys-keys-'));
const dir = () => mkdtempSync(join(root, 'k-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('loadOrCreateKey', () => {
  it('creates {kid, private_key_pem, purpose} with mode 0600 and reuses it on restart', () => {
    const path = join(dir(), 'nested', 'oidc.json');
    const first = loadOrCreateKey(path, 'oidc', 1_700_000_000);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const file = JSON.parse(readFileSync(path, 'utf8'));
    expect(Object.keys(file).sort()).toEqual(['kid', 'private_key_pem', 'purpose']);
    expect(file).toMatchObject({ kid: 'v1-1700000000', purpose: 'oidc' });
    expect(file.private_key_pem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const again = loadOrCreateKey(path, 'oidc', 1_800_000_000);
    expect(again.kid).toBe('v1-1700000000');
    expect(again.publicJwk).toEqual(first.publicJwk);
    expect(first.publicJwk).not.toHaveProperty('d');
  });

  it('names session keys ak-session-<unix>', () => {
    expect(loadOrCreateKey(join(dir(), 's.json'), 'session', 1_700_000_001).kid).toBe(
      'ak-session-1700000001',
    );
  });

  it.each([
    ['readable by others', (p: string) => chmodSync(p, 0o644), /mode 644/],
    ['the wrong purpose', (p: string) => rewrite(p, { purpose: 'session' }), /purpose is session/],
    ['a malformed kid', (p: string) => rewrite(p, { kid: 'abc' }), /kid must look like v1-/],
    ['a broken PEM', (p: string) => rewrite(p, { private_key_pem: 'nope' }), /not a PEM/],
    ['not JSON', (p: string) => writeFileSync(p, '{', { mode: 0o600 }), /not a JSON/],
  ])('refuses a key file that is %s, without printing the key', (_name, spoil, reason) => {
    const path = join(dir(), 'oidc.json');
    loadOrCreateKey(path, 'oidc');
    const pem = JSON.parse(readFileSync(path, 'utf8')).private_key_pem as string;
    spoil(path);
    let line = '';
    try {
      loadOrCreateKey(path, 'oidc');
    } catch (error) {
      line = (error as { line: string }).line;
    }
    expect(line).toMatch(/^BOOT_FAIL: BROKER_OIDC_KEYPAIR_PATH=\S+: [^;]+; see runbook §oidc-keypair$/);
    expect(line).toMatch(reason);
    expect(line).not.toContain(pem.split('\n')[1]);
  });

  it('refuses a session key file under BROKER_SESSION_KEYPAIR_PATH with the session-keypair anchor', () => {
    const path = join(dir(), 's.json');
    loadOrCreateKey(path, 'oidc');
    expect(() => loadOrCreateKey(path, 'session')).toThrow(/BROKER_SESSION_KEYPAIR_PATH.*§session-keypair$/);
  });
});

function rewrite(path: string, patch: Record<string, string>): void {
  const file = JSON.parse(readFileSync(path, 'utf8'));
  writeFileSync(path, JSON.stringify({ ...file, ...patch }), { mode: 0o600 });
}
