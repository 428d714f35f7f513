// The broker OpenAPI file is a valid OpenAPI 3.1 document and describes the live surface only.
import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const file = new URL('../../docs/reference/broker.openapi.yaml', import.meta.url);
const text = readFileSync(file, 'utf8');
type Op = { security?: unknown[]; responses: Record<string, unknown>; 'x-feature'?: string };
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

  it('names no retired route', () => {
    for (const retired of ['/v1/mint-aws-creds', '/v1/auth/exchange', '/session/validate']) {
      expect(text).not.toContain(retired);
    }
    expect(text).not.toMatch(/idempotency/i);
  });

  it('marks the email-link and OAuth2 routes as feature-gated', () => {
    const gated = operations.filter((o) => /\/auth\/(email|oauth2)\//.test(o.path));
    expect(gated.map((o) => o.path).sort()).toEqual([
      '/auth/oauth2/callback',
      '/v1/auth/email/request',
      '/v1/auth/email/status/{request_id}',
      '/v1/auth/email/verify',
      '/v1/auth/oauth2/start',
      '/v1/auth/oauth2/status/{request_id}',
    ]);
    for (const o of gated) expect(['email_link', 'oauth2_google']).toContain(o.op['x-feature']);
  });

  it('requires the session bearer exactly on the authenticated routes, each with a 401', () => {
    const bearer = operations.filter((o) => o.op.security?.length).map((o) => `${o.method} ${o.path}`);
    expect(bearer.sort()).toEqual([
      'get /v1/grant/list',
      'get /v1/wallet/links',
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
