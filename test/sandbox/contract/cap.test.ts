// POST /v1/cap/cred-store, /cred-fetch, /memory-put, /memory-get (handlers/cap.rs): input checks, then the
// bearer, then the session's omni against operator_omni, then the chain — which, with no RPC URL configured,
// answers 502 chain_rpc_error. The four routes share one handler; each gets its own table.
import { CAP_ROUTES } from '../../../scripts/sandbox/routes/cap.ts';
import { type Row, type Scene, table } from './harness.ts';

const hex32 = (c: string) => `0x${c.repeat(64)}`;
const request = (s: Scene, overrides: Record<string, unknown> = {}) => ({
  operator_omni: `0x${s.me.omni_account}`,
  actor_omni: hex32('b'),
  service: 'OpenRouter',
  device_key_hash: hex32('c'),
  ...overrides,
});
const capError = (status: number, reason: string, error: string): Pick<Row, 'status' | 'body'> => ({
  status,
  body: () => ({ error, reason }),
});
const noChain = capError(
  502,
  'chain_rpc_error',
  'RPC URL not set (AGENTKEYS_CHAIN_RPC_HTTP or CHAIN_RPC_HTTP_HEIMA or HEIMA_RPC_HTTP)',
);

const rows: Row[] = [
  {
    name: 'a request that passes the session checks reaches the chain step, which has no RPC URL',
    send: (s) => ({ headers: s.auth, json: request(s) }),
    ...noChain,
  },
  {
    name: 'operator_omni in upper case still matches the session',
    send: (s) => ({
      headers: s.auth,
      json: request(s, { operator_omni: `0x${s.me.omni_account.toUpperCase()}` }),
    }),
    ...noChain,
  },
  {
    name: 'ttl_seconds may be given; it is only clamped',
    send: (s) => ({ headers: s.auth, json: request(s, { ttl_seconds: 999999 }) }),
    ...noChain,
  },
  {
    name: '400 for an operator_omni without 0x',
    send: (s) => ({ headers: s.auth, json: request(s, { operator_omni: 'ab'.repeat(33) }) }),
    ...capError(400, 'invalid_input', 'operator_omni must start with 0x'),
  },
  {
    name: '400 for an actor_omni of the wrong length, counted in bytes',
    send: (s) => ({ headers: s.auth, json: request(s, { actor_omni: '0xé1' }) }),
    ...capError(400, 'invalid_input', 'actor_omni must be 66 chars (0x + 64 hex), got 5'),
  },
  {
    name: '400 for a device_key_hash that is not hex',
    send: (s) => ({ headers: s.auth, json: request(s, { device_key_hash: hex32('z') }) }),
    ...capError(400, 'invalid_input', 'device_key_hash contains non-hex chars'),
  },
  {
    name: '400 for an empty service',
    send: (s) => ({ headers: s.auth, json: request(s, { service: '' }) }),
    ...capError(400, 'invalid_input', 'service must be 1..=64 chars'),
  },
  {
    name: '400 for a service of 65 bytes',
    send: (s) => ({ headers: s.auth, json: request(s, { service: 's'.repeat(65) }) }),
    ...capError(400, 'invalid_input', 'service must be 1..=64 chars'),
  },
  {
    name: 'the input is checked before the bearer',
    send: (s) => ({ json: request(s, { service: '' }) }),
    ...capError(400, 'invalid_input', 'service must be 1..=64 chars'),
  },
  {
    name: '401 without an Authorization header',
    send: (s) => ({ json: request(s) }),
    ...capError(401, 'unauthorized', 'missing Authorization header'),
  },
  {
    name: '401 for another scheme',
    send: (s) => ({ headers: { authorization: 'Basic dXNlcg==' }, json: request(s) }),
    ...capError(401, 'unauthorized', "Authorization must be 'Bearer <jwt>'"),
  },
  {
    name: '401 for a bearer that is not a session JWT, the broker error nested in the message',
    send: (s) => ({ headers: { authorization: 'Bearer junk' }, json: request(s) }),
    ...capError(401, 'unauthorized', 'session jwt verify: unauthorized: session jwt verify: InvalidToken'),
  },
  {
    name: '403 when operator_omni is not the session\u2019s omni',
    send: (s) => ({ headers: s.auth, json: request(s, { operator_omni: hex32('a') }) }),
    ...capError(403, 'operator_mismatch', 'session JWT operator differs from request'),
  },
  {
    name: '422 for ttl_seconds given as text',
    send: (s) => {
      const json = JSON.stringify({ ...request(s), ttl_seconds: 'x' });
      return { headers: { ...s.auth, 'content-type': 'application/json' }, body: json };
    },
    status: 422,
    body: (s) => {
      const json = JSON.stringify({ ...request(s), ttl_seconds: 'x' });
      return `Failed to deserialize the JSON body into the target type: ttl_seconds: invalid type: string "x", expected u64 at line 1 column ${json.length - 1}`;
    },
  },
];

for (const route of CAP_ROUTES) table(`POST ${route}`, rows);
