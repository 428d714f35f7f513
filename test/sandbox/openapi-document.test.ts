// The broker OpenAPI file is a valid OpenAPI 3.1 document and describes the live surface only.
import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const file = new URL('../../docs/reference/broker.openapi.yaml', import.meta.url);
const text = readFileSync(file, 'utf8');
type Op = {
  security?: unknown[];
  requestBody?: unknown;
  responses: Record<string, unknown>;
  'x-feature'?: string;
  'x-auth-method'?: string;
};
const doc = parse(text) as { paths: Record<string, Record<string, Op>> };

const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
  Object.entries(item).map(([method, op]) => ({ path, method, op })),
);

describe('docs/reference/broker.openapi.yaml', () => {
  it('passes the OpenAPI 3.1 schema validator', async () => {
    const validator = new Validator();
    const result = await validator.validate(text);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('names no retired route or header; idempotency appears only as the two counters /metrics still prints', () => {
    for (const retired of [
      '/v1/mint-aws-creds',
      '/v1/auth/exchange',
      '/session/validate',
      'Idempotency-Key:',
    ]) {
      expect(text).not.toContain(retired);
    }
    // The /metrics example quotes the broker's own output, HELP texts included, between drift-ignore markers.
    const prose = text.replace(/# drift-ignore-start[^\n]*\n[\s\S]*?# drift-ignore-end/g, '');
    const mentions = prose.match(/[\w-]*idempotency[\w-]*/gi) ?? [];
    expect([...new Set(mentions)].sort()).toEqual([
      'agentkeys_broker_idempotency_conflicts_total',
      'agentkeys_broker_idempotency_hits_total',
    ]);
  });

  it('names the Cargo feature of exactly the email-link and Google routes', () => {
    const gated = operations.filter((o) => o.op['x-feature'] !== undefined);
    expect(gated.map((o) => `${o.method} ${o.path} ${o.op['x-feature']}`).sort()).toEqual([
      'get /auth/email/landing auth-email-link',
      'get /auth/oauth2/callback auth-oauth2-google',
      'get /v1/auth/email/status/{request_id} auth-email-link',
      'get /v1/auth/email/verify auth-email-link',
      'get /v1/auth/oauth2/status/{request_id} auth-oauth2-google',
      'post /v1/auth/email/request auth-email-link',
      'post /v1/auth/email/verify auth-email-link',
      'post /v1/auth/oauth2/start auth-oauth2-google',
    ]);
  });

  it('names the BROKER_AUTH_METHODS value each sign-in route needs', () => {
    const needs = operations
      .filter((o) => o.op['x-auth-method'] !== undefined)
      .map((o) => `${o.method} ${o.path} ${o.op['x-auth-method']}`);
    expect(needs.sort()).toEqual([
      'get /auth/oauth2/callback oauth2_google',
      'get /v1/auth/email/status/{request_id} email_link',
      'get /v1/auth/oauth2/status/{request_id} oauth2_google',
      'post /v1/auth/email/request email_link',
      'post /v1/auth/email/verify email_link',
      'post /v1/auth/oauth2/start oauth2_google',
      'post /v1/auth/wallet/start wallet_sig',
      'post /v1/auth/wallet/verify wallet_sig',
    ]);
  });

  it('documents the framework answers on every route that reads a JSON body', () => {
    for (const o of operations.filter((x) => x.op.requestBody !== undefined)) {
      for (const status of ['400', '413', '415', '422']) {
        expect(o.op.responses[status], `${o.method} ${o.path} ${status}`).toBeDefined();
      }
    }
  });

  it('requires the session bearer exactly on the authenticated routes, each with a 401', () => {
    const bearer = operations.filter((o) => o.op.security?.length).map((o) => `${o.method} ${o.path}`);
    expect(bearer.sort()).toEqual([
      'get /v1/grant/list',
      'get /v1/wallet/links',
      'post /v1/cap/cred-fetch',
      'post /v1/cap/cred-store',
      'post /v1/cap/memory-get',
      'post /v1/cap/memory-put',
      'post /v1/grant/create',
      'post /v1/grant/revoke',
      'post /v1/mint-oidc-jwt',
      'post /v1/wallet/link',
    ]);
    for (const o of operations.filter((x) => x.op.security?.length)) {
      expect(o.op.responses['401'], `${o.method} ${o.path}`).toBeDefined();
    }
  });
});
