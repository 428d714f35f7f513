// Liveness, readiness (with its four named checks) and the opt-in Prometheus counters.
import { chmodSync, rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { build } from './helpers.ts';

describe('GET /healthz', () => {
  it('answers ok as text', async () => {
    const res = await build().call('GET', '/healthz');
    expect(res).toEqual({ status: 200, body: 'ok' });
  });
});

describe('GET /readyz', () => {
  it('is all clear with an https issuer: empty checks, every check named in ready', async () => {
    const res = await build({ BROKER_OIDC_ISSUER: 'https://broker.example.org' }).call('GET', '/readyz');
    expect(res).toEqual({
      status: 200,
      body: {
        status: 'ready',
        degraded: false,
        checks: [],
        ready: ['oidc-keypair', 'session-keypair', 'audit-db', 'issuer'],
      },
    });
  });

  it('is degraded (200) with a dev-mode http issuer, linking the runbook anchor', async () => {
    const res = await build().call('GET', '/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'degraded',
      degraded: true,
      checks: [{ name: 'issuer', status: 'degraded', docs: '/operator-runbook-stage7#readyz-issuer' }],
    });
  });

  it('is degraded when a key file becomes readable by others', async () => {
    const t = build({ BROKER_OIDC_ISSUER: 'https://broker.example.org' });
    chmodSync(t.context.sessionKey.path, 0o644);
    const res = await t.call('GET', '/readyz');
    expect(res.body.checks).toMatchObject([{ name: 'session-keypair', status: 'degraded' }]);
  });

  it('is unready (503) when the OIDC key file disappears or the audit database refuses writes', async () => {
    const t = build({ BROKER_OIDC_ISSUER: 'https://broker.example.org' });
    rmSync(t.context.oidcKey.path);
    t.context.store.db.close();
    const res = await t.call('GET', '/readyz');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({
      status: 'unready',
      degraded: false,
      ready: ['session-keypair', 'issuer'],
    });
    expect(res.body.checks.map((c: { name: string }) => c.name)).toEqual(['oidc-keypair', 'audit-db']);
    for (const check of res.body.checks)
      expect(check.docs).toBe(`/operator-runbook-stage7#readyz-${check.name}`);
  });
});

describe('GET /metrics', () => {
  it('is 404 unless BROKER_METRICS_ENABLED=true', async () => {
    const res = await build().call('GET', '/metrics');
    expect(res).toMatchObject({ status: 404, body: { error: 'not_found' } });
  });

  it('serves every contract counter as Prometheus text when enabled', async () => {
    const res = await build({ BROKER_METRICS_ENABLED: 'true' }).call('GET', '/metrics');
    expect(res.status).toBe(200);
    for (const name of [
      'agentkeys_broker_mints_total',
      'agentkeys_broker_mints_failed_total',
      'agentkeys_broker_audit_writes_total',
      'agentkeys_broker_audit_writes_failed_total',
      'agentkeys_broker_auth_attempts_total',
      'agentkeys_broker_auth_failed_unauthorized_total',
      'agentkeys_broker_auth_failed_rate_limited_total',
      'agentkeys_broker_auth_failed_other_total',
    ]) {
      expect(res.body).toContain(`# TYPE ${name} counter\n${name} 0\n`);
    }
    expect(res.body).not.toMatch(/idempotency/);
  });
});
