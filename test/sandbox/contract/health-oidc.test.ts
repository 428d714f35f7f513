// GET /healthz, /readyz, /metrics, /.well-known/openid-configuration and /.well-known/jwks.json
// (handlers/broker_status.rs, handlers/metrics.rs, metrics.rs, handlers/oidc.rs).
import { table } from './harness.ts';

table('GET /healthz', [
  { name: 'answers ok as plain text', send: () => ({}), status: 200, body: () => 'ok' },
]);

table('GET /readyz', [
  {
    name: 'all clear on the default build: ready, no checks, the three checks named',
    send: () => ({}),
    status: 200,
    body: () => ({
      status: 'ready',
      degraded: false,
      checks: [],
      ready: ['auth/wallet_sig', 'wallet/client_keystore', 'audit/sqlite'],
    }),
  },
]);

// The ten counters in the broker's order, each with its HELP and TYPE line; nothing increments them.
const METRICS_TEXT = [
  ['agentkeys_broker_mints_total', 'Total mint requests that returned 200.'],
  ['agentkeys_broker_mints_failed_total', 'Total mint requests that returned non-2xx.'],
  ['agentkeys_broker_audit_writes_total', 'Total successful audit-anchor writes.'],
  ['agentkeys_broker_audit_writes_failed_total', 'Total audit-anchor writes that errored.'],
  ['agentkeys_broker_auth_attempts_total', 'Total auth challenge or verify attempts.'],
  ['agentkeys_broker_auth_failed_unauthorized_total', 'Auth attempts that failed with 401 Unauthorized.'],
  ['agentkeys_broker_auth_failed_rate_limited_total', 'Auth attempts that failed with 429 Rate Limited.'],
  ['agentkeys_broker_auth_failed_other_total', 'Auth attempts that failed with any other 4xx/5xx.'],
  // drift-ignore-start the broker still prints these two counters at c9e1694
  ['agentkeys_broker_idempotency_hits_total', 'Idempotency-Key replays served from cache.'],
  [
    'agentkeys_broker_idempotency_conflicts_total',
    'Idempotency-Key requests with mismatched body hash (422).',
  ],
  // drift-ignore-end
]
  .map(([name, help]) => `# HELP ${name} ${help}\n# TYPE ${name} counter\n${name} 0\n`)
  .join('');

table('GET /metrics', [
  {
    name: 'off by default: 404 with an empty body',
    send: () => ({}),
    status: 404,
    body: () => '',
    headers: { 'content-type': 'text/plain; charset=utf-8' },
  },
  {
    name: 'only the exact text "true" turns it on',
    env: { BROKER_METRICS_ENABLED: 'TRUE' },
    send: () => ({}),
    status: 404,
    body: () => '',
  },
  {
    name: 'on: ten counters, all 0, not cached',
    env: { BROKER_METRICS_ENABLED: 'true' },
    send: () => ({}),
    status: 200,
    body: () => METRICS_TEXT,
    headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' },
  },
  {
    name: 'still all 0 after sign-ins and mints, since nothing increments them',
    env: { BROKER_METRICS_ENABLED: 'true' },
    setup: async (s) => {
      await s.t.call('POST', '/v1/mint-oidc-jwt', { headers: s.auth });
      await s.t.call('POST', '/v1/mint-oidc-jwt', { headers: { authorization: 'Bearer x' } });
    },
    send: () => ({}),
    status: 200,
    body: () => METRICS_TEXT,
  },
]);

table('GET /.well-known/openid-configuration', [
  {
    name: 'repeats the issuer byte for byte and lists the fourteen advertised claims',
    env: { BROKER_OIDC_ISSUER: 'https://Broker.Example.org:8443' },
    send: () => ({}),
    status: 200,
    body: () => ({
      issuer: 'https://Broker.Example.org:8443',
      jwks_uri: 'https://Broker.Example.org:8443/.well-known/jwks.json',
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['ES256'],
      scopes_supported: ['openid'],
      token_endpoint_auth_methods_supported: ['none'],
      claims_supported: [
        'iss',
        'sub',
        'aud',
        'iat',
        'exp',
        'nbf',
        'agentkeys_attested_at',
        'agentkeys_enclave_tier',
        'agentkeys_child_wallet',
        'agentkeys_grant_id',
        'agentkeys_operation',
        // drift-ignore-next-line the broker still advertises the v1 wallet claim
        'agentkeys_user_wallet',
        'agentkeys_actor_omni',
        'https://aws.amazon.com/tags',
      ],
    }),
  },
]);

table('GET /.well-known/jwks.json', [
  {
    name: 'one key, the OIDC key, public part only',
    send: () => ({}),
    status: 200,
    body: (s) => {
      const { x, y, kid } = s.t.context.oidcKey.publicJwk;
      return { keys: [{ kty: 'EC', crv: 'P-256', x, y, kid, alg: 'ES256', use: 'sig' }] };
    },
  },
]);
