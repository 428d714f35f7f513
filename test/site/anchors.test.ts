// Every anchor the broker, the sandbox and the runbook print as a link exists on the built runbook page.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate } from 'node:timers/promises';
import type { HTMLElement } from 'node-html-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STS_ERRORS } from '../../runbooks/lib/aws.ts';
import { runbook } from '../../runbooks/stage7/index.ts';
import { loadUpstream } from '../../scripts/reference/upstream.ts';
import { createBroker } from '../../scripts/sandbox/broker.ts';
import { BootFailError, loadConfig, StartupError } from '../../scripts/sandbox/config.ts';
import { COUNTERS } from '../../scripts/sandbox/context.ts';
import { createKeyFile } from '../../scripts/sandbox/keys.ts';
import { sandboxLikeEnv } from '../sandbox/helpers.ts';
import { content, type EnvFile, ids, page, readYamlFile, repoRoot } from './helpers/built-pages.ts';

// The anchors the real broker prints at c9e1694: every `boot_fail(…)` call of src/boot.rs, and the `docs`
// anchor of every readiness check of src/handlers/broker_status.rs (check name with `/` and `_` as `-`,
// tier2 checks by their own name). Written here from reading that code, not from the sandbox.
const brokerBootFail = [
  'oidc-issuer',
  'oidc-keypair',
  'session-keypair',
  'auth-nonces-db',
  'wallets-db',
  'grants-db',
  'identity-links-db',
  'idempotency-db',
  'audit-policy',
  'email-from-address',
  'email-tokens-db',
  'email-rate-limits-db',
  'email-sender-backend',
  'email-link-construct',
  'oauth2-google-client-id',
  'oauth2-google-client-secret-file',
  'oauth2-state-hmac-key',
  'oauth2-redirect-uri',
  'oauth2-pending-db',
  'oauth2-rate-limits-db',
  'oauth2-construct',
  'auth-method-not-compiled',
  'auth-method-empty',
  'wallet-provisioner-not-compiled',
  'audit-sqlite',
  'audit-anchor-not-compiled',
  'audit-anchor-empty',
];
const brokerReadiness = [
  'auth-wallet-sig',
  'auth-email-link',
  'auth-oauth2-google',
  'wallet-client-keystore',
  'audit-sqlite',
  'audit-evm-testnet',
  'ses-verification',
  'evm-rpc-reachability',
  'evm-fee-payer-balance',
];

// The BOOT_FAIL anchors of the broker's boot.rs that the sandbox reproduces and the loop below reaches (the
// default build's checks, plus email-from-address: email_link is a method the sandbox has compiled in).
const agreedBootFail = [
  'email-from-address',
  'oidc-issuer',
  'oidc-keypair',
  'session-keypair',
  'auth-nonces-db',
  'wallets-db',
  'grants-db',
  'identity-links-db',
  'idempotency-db',
  'audit-policy',
  'auth-method-not-compiled',
  'auth-method-empty',
  'wallet-provisioner-not-compiled',
  'audit-anchor-not-compiled',
  'audit-anchor-empty',
  'audit-sqlite',
];

const anchorOfLine = (line: string) => /; see runbook §([a-z0-9-]+)$/.exec(line)?.[1];

const work = mkdtempSync(join(tmpdir(), 'pages-anchors-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * Feeds the sandbox bad values for every broker variable and collects the anchors its BOOT_FAIL lines name.
 * Each boot is synchronous (SQLite, key files); the loop yields between boots, since a worker that holds its
 * event loop for long stops answering vitest on a busy machine.
 */
async function bootFailAnchors(brokerVars: string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const record = (error: unknown) => {
    if (error instanceof StartupError) return;
    if (!(error instanceof BootFailError)) throw error;
    const anchor = anchorOfLine(error.line);
    if (!anchor) throw new Error(`BOOT_FAIL line without an anchor: ${error.line}`);
    found.set(anchor, error.line);
  };
  const keys = join(work, 'keys');
  createKeyFile(join(keys, 'oidc.json'), 'oidc');
  createKeyFile(join(keys, 'session.json'), 'session');
  const base = {
    HOME: work,
    BROKER_OIDC_ISSUER: 'https://broker.example.com',
    BROKER_DATA_ROLE_ARN: 'arn:aws:iam::111122223333:role/agentkeys-data-role',
    BROKER_OIDC_KEYPAIR_PATH: join(keys, 'oidc.json'),
    BROKER_SESSION_KEYPAIR_PATH: join(keys, 'session.json'),
  };
  const badValues = ['', ',', 'x', '-1', '0', 'http://broker.example.com', 'email_link', 'sqlite,nope'];
  const booted = new Set<string>();
  for (const name of brokerVars) {
    for (const value of badValues) {
      try {
        // A path is tried under the work folder: taken as given, the sandbox would create SQLite files in
        // the repository (the audit database's folder is where the stores go).
        const tried = name.endsWith('_PATH') ? join(work, 'relative', value) : value;
        const config = loadConfig({
          ...base,
          BROKER_AUDIT_DB_PATH: join(work, 'db', 'audit.sqlite'),
          [name]: tried,
        });
        // Most variables change nothing the boot checks read; a configuration already booted is not booted again.
        const key = JSON.stringify(config);
        if (booted.has(key)) continue;
        booted.add(key);
        createBroker(config).close();
      } catch (error) {
        record(error);
      }
      await setImmediate();
    }
  }
  // The SQLite files: each made unusable in turn.
  for (const file of ['auth_nonces', 'wallets', 'grants', 'identity_links', 'idempotency', 'audit']) {
    const folder = join(work, `broken-${file}`);
    mkdirSync(join(folder, `${file}.sqlite`), { recursive: true });
    try {
      createBroker(loadConfig({ ...base, BROKER_AUDIT_DB_PATH: join(folder, 'audit.sqlite') })).close();
    } catch (error) {
      record(error);
    }
    await setImmediate();
  }
  return found;
}

describe('anchors on the operator runbook page', () => {
  let runbookIds: Set<string>;
  let runbookPage: HTMLElement;
  const env = readYamlFile<EnvFile>('docs/reference/env.yaml');
  const brokerVars = env.groups.filter((g) => g.readBy === 'broker').flatMap((g) => g.vars);

  beforeAll(async () => {
    runbookPage = await page('operator-runbook-stage7');
    runbookIds = ids(runbookPage);
  });

  it('lists the 27 BOOT_FAIL anchors of the broker once each', () => {
    expect(new Set(brokerBootFail).size).toBe(27);
  });

  it.each(brokerBootFail)('has the broker BOOT_FAIL anchor #%s as a troubleshooting heading', (anchor) => {
    expect(runbookPage.querySelector(`[id="${anchor}"]`)?.tagName).toBe('H4');
  });

  it.each(brokerReadiness)('has the broker readiness anchor #%s as a troubleshooting heading', (anchor) => {
    expect(runbookPage.querySelector(`[id="${anchor}"]`)?.tagName).toBe('H4');
  });

  it('has every anchor env.yaml gives a broker variable', () => {
    const anchors = brokerVars.flatMap((v) => v.anchors ?? []);
    expect(anchors.length).toBeGreaterThanOrEqual(27);
    expect(anchors.filter((a) => !runbookIds.has(a))).toEqual([]);
  });

  it('has every anchor the sandbox names in a BOOT_FAIL line', async () => {
    const found = await bootFailAnchors(brokerVars.map((v) => v.name));
    // The sandbox must be exercised broadly enough for the check to mean something.
    expect([...found.keys()].sort()).toEqual([...agreedBootFail].sort());
    const missing = [...found].filter(([anchor]) => !runbookIds.has(anchor)).map(([, line]) => line);
    expect(missing).toEqual([]);
  });

  it('has the anchor of every readiness check /readyz reports', async () => {
    const dir = join(work, 'readyz');
    const brokerApp = createBroker(loadConfig(sandboxLikeEnv(dir)));
    try {
      // A closed database turns every check unready, so each one's own docs link is reported.
      brokerApp.context.store.db.close();
      const res = await brokerApp.app.request('/readyz');
      const body = (await res.json()) as { checks: { name: string; docs: string }[] };
      const docsBase = loadUpstream().readyzDocs;
      const linked = body.checks.map((c) => {
        expect(c.docs.startsWith(`${docsBase}#`)).toBe(true);
        return c.docs.split('#')[1] ?? '';
      });
      expect(linked).toEqual(['auth-wallet-sig', 'wallet-client-keystore', 'audit-sqlite']);
      expect(linked.filter((a) => !runbookIds.has(a))).toEqual([]);
    } finally {
      brokerApp.close();
    }
  });

  it.each(Object.entries(STS_ERRORS))('has the STS troubleshooting anchor of %s', (_name, { anchor }) => {
    expect(runbookIds).toContain(anchor);
  });

  // Steps are numbered by their id: 01 → Step 1, b1 → Step B1 (the bring-up, before step 1).
  it.each(
    runbook.steps.map((s) => ({ ...s, n: /^\d+$/.test(s.id) ? String(Number(s.id)) : s.id.toUpperCase() })),
  )('has the heading "Step $n — $title" at #$doc', ({ doc, title, n }) => {
    const heading = runbookPage.querySelector(`[id="${doc}"]`);
    expect(heading?.tagName).toBe('H2');
    expect(heading?.text.replace(/\u200b/g, '').trim()).toBe(`Step ${n} — ${title}`);
  });

  it('has every runbook-page anchor that runbook and sandbox code link to', () => {
    const linked = new Set<string>();
    const scan = (dir: string) => {
      for (const entry of readdirSync(join(repoRoot, dir), { recursive: true, withFileTypes: true })) {
        if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
        const text = readFileSync(join(entry.parentPath, entry.name), 'utf8');
        // A template such as `#readyz-${name}` is covered by the /readyz test above.
        for (const m of text.matchAll(/operator-runbook-stage7#([a-z0-9-]*[a-z0-9])(?![\w$-])/g)) {
          linked.add(m[1] as string);
        }
        // Step errors name their section by anchor alone; the runner turns it into a page link.
        if (dir === 'runbooks')
          for (const m of text.matchAll(/anchor: '([a-z0-9-]+)'/g)) linked.add(m[1] as string);
      }
    };
    scan('runbooks');
    scan('scripts/sandbox');
    expect(linked.size).toBeGreaterThan(5);
    expect([...linked].filter((a) => !runbookIds.has(a))).toEqual([]);
  });

  it('lists every broker counter in the metrics section', () => {
    const text = content(runbookPage).text;
    expect(COUNTERS.filter((c) => !text.includes(c))).toEqual([]);
  });
});
