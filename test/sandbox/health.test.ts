// Liveness and readiness (the broker's check names, reasons and docs links); /metrics is in contract/.
import { describe, expect, it } from 'vitest';
import { loadUpstream } from '../../scripts/reference/upstream.ts';
import { UPSTREAM_HEADER } from '../../scripts/sandbox/broker.ts';
import { docsFor } from '../../scripts/sandbox/readiness.ts';
import { build } from './helpers.ts';

describe('GET /healthz', () => {
  it('answers ok as text, and names the broker commit the sandbox stands in for in a header only', async () => {
    const t = build();
    const res = await t.call('GET', '/healthz');
    expect(res).toMatchObject({ status: 200, body: 'ok' });
    const raw = await t.app.request('/healthz');
    const upstream = loadUpstream();
    expect(raw.headers.get(UPSTREAM_HEADER)).toBe(
      `agentkeys-broker-server@${upstream.commit} (${upstream.pr})`,
    );
    expect(upstream).toMatchObject({ short: 'c9e1694', pr: 'PR #104' });
    expect((await t.app.request('/readyz')).headers.get(UPSTREAM_HEADER)).toBeNull();
  });
});

// Read without the OpenAPI check: these bodies are the broker's (handlers/broker_status.rs) as read here.
async function readyz(t: ReturnType<typeof build>) {
  const res = await t.app.request('/readyz');
  return { status: res.status, body: await res.json() };
}

const DOCS = 'https://docs.agentkeys.dev/operator-runbook-stage7';

describe('GET /readyz', () => {
  it('is all clear: status ready, empty checks, the three checks of the default build in ready', async () => {
    expect(await readyz(build())).toEqual({
      status: 200,
      body: {
        status: 'ready',
        degraded: false,
        checks: [],
        ready: ['auth/wallet_sig', 'wallet/client_keystore', 'audit/sqlite'],
      },
    });
  });

  it('an http issuer in dev mode is not a readiness problem, as in the broker', async () => {
    const res = await readyz(build({ BROKER_OIDC_ISSUER: 'http://127.0.0.1:1' }));
    expect(res.body.status).toBe('ready');
  });

  it('is unready (503) with the reason and docs link of a store that refuses writes', async () => {
    const t = build();
    t.context.store.db.exec('DETACH DATABASE wallets');
    expect(await readyz(t)).toEqual({
      status: 503,
      body: {
        status: 'unready',
        degraded: false,
        checks: [
          {
            name: 'wallet/client_keystore',
            status: 'unready',
            reason: 'wallets table not writable',
            docs: `${DOCS}#wallet-client-keystore`,
          },
        ],
        ready: ['auth/wallet_sig', 'audit/sqlite'],
      },
    });
  });

  it('names every check with its reason and anchor when the databases are gone', async () => {
    const t = build();
    t.context.store.db.close();
    const res = await readyz(t);
    expect(res.status).toBe(503);
    expect(res.body.ready).toEqual([]);
    expect(res.body.checks).toEqual([
      {
        name: 'auth/wallet_sig',
        status: 'unready',
        reason: 'auth_nonces table not writable',
        docs: `${DOCS}#auth-wallet-sig`,
      },
      {
        name: 'wallet/client_keystore',
        status: 'unready',
        reason: 'wallets table not writable',
        docs: `${DOCS}#wallet-client-keystore`,
      },
      {
        name: 'audit/sqlite',
        status: 'unready',
        reason: `sqlite at ${t.context.config.auditDbPath} is not writable`,
        docs: `${DOCS}#audit-sqlite`,
      },
    ]);
  });

  it('takes the docs link base from docs/reference/upstream.yaml', () => {
    expect(docsFor('tier2/evm_fee_payer')).toBe(`${loadUpstream().readyzDocs}#tier2-evm-fee-payer`);
  });
});
