// POST /v1/auth/wallet/start and /v1/auth/wallet/verify (handlers/auth/wallet_*.rs, plugins/auth/wallet_sig.rs).
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { expect } from 'vitest';
import { omniOf } from '../../../scripts/sandbox/tokens.ts';
import { type Scene, T0, table } from './harness.ts';

const other = privateKeyToAccount(generatePrivateKey());
const iso = (unix: number) => new Date(unix * 1000).toISOString().replace('.000Z', 'Z');
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** The SIWE message the broker writes for `address` (any case) on the sandbox's issuer at T0. */
const siwe = (address: string, chainId: number | string, nonce: string) =>
  [
    '127.0.0.1:8091 wants you to sign in with your Ethereum account:',
    address.toLowerCase(),
    '',
    'Authenticate with AgentKeys broker.',
    '',
    'URI: http://127.0.0.1:8091',
    'Version: 1',
    `Chain ID: ${chainId}`,
    `Nonce: ${nonce}`,
    `Issued At: ${iso(T0)}`,
    `Expiration Time: ${iso(T0 + 2700)}`,
    'Resources:',
    '- urn:agentkeys:client:agentkeys',
  ].join('\n');

const startJson = (address: string, chain_id: unknown = 84532) => ({ json: { address, chain_id } });

table('POST /v1/auth/wallet/start', [
  {
    name: 'issues a 45-minute SIWE challenge with a siwe-<32 hex> id, the address lowercased',
    send: () => startJson(other.address),
    status: 200,
    body: (_s, got) => ({
      request_id: expect.stringMatching(/^siwe-[0-9a-f]{32}$/),
      expires_in_seconds: 2700,
      siwe_message: siwe(other.address, 84532, got.nonce),
      nonce: expect.stringMatching(/^[0-9a-f]{32}$/),
      expires_at_iso: iso(T0 + 2700),
    }),
  },
  {
    name: 'takes the domain from the issuer host, port included',
    env: { BROKER_OIDC_ISSUER: 'https://broker.example.org:8443' },
    send: () => startJson(other.address, 1),
    status: 200,
    body: (_s, got) => ({
      ...got,
      siwe_message: expect.stringMatching(
        /^broker\.example\.org:8443 wants you to sign in[\s\S]*\nURI: https:\/\/broker\.example\.org:8443\n/,
      ),
    }),
  },
  {
    name: 'no challenge limit per client at c9e1694 (the setting is declared, not read)',
    env: { BROKER_RATE_LIMIT_CHALLENGES_PER_HOUR_PER_IP: '1' },
    setup: async (s) => {
      await s.t.call('POST', '/v1/auth/wallet/start', {
        json: { address: other.address, chain_id: 1, source_ip: '1.2.3.4' },
      });
    },
    send: () => ({ json: { address: other.address, chain_id: 1, source_ip: '1.2.3.4' } }),
    status: 200,
  },
  {
    name: '400 for an address that is not 0x and 40 hex digits, printed lowercased',
    send: () => startJson('0xABC'),
    status: 400,
    body: () => ({ error: 'bad_request', message: 'bad request: malformed address: 0xabc' }),
  },
  {
    name: '400 for 42 characters that are not hex',
    send: () => startJson(`0x${'g'.repeat(40)}`),
    status: 400,
    body: () => ({ error: 'bad_request', message: `bad request: malformed address: 0x${'g'.repeat(40)}` }),
  },
  {
    name: '400 when wallet_sig is not an enabled method',
    signIn: true,
    anonymous: true,
    env: { BROKER_AUTH_METHODS: 'email_link' },
    send: () => startJson(other.address),
    status: 400,
    body: () => ({
      error: 'bad_request',
      message: 'bad request: wallet_sig auth method is not enabled (set BROKER_AUTH_METHODS=wallet_sig,…)',
    }),
  },
  {
    name: '422 for a chain id given as text',
    send: () => ({
      body: `{"address":"${other.address}","chain_id":"1"}`,
      headers: { 'content-type': 'application/json' },
    }),
    status: 422,
    body: () =>
      'Failed to deserialize the JSON body into the target type: chain_id: invalid type: string "1", expected u64 at line 1 column 70',
  },
  {
    name: '422 for a negative chain id',
    send: () => ({
      body: `{"address":"${other.address}","chain_id":-1}`,
      headers: { 'content-type': 'application/json' },
    }),
    status: 422,
    body: () =>
      'Failed to deserialize the JSON body into the target type: chain_id: invalid value: integer `-1`, expected u64 at line 1 column 69',
  },
]);

/** Starts a challenge for `signer` (default: a fresh wallet) and returns its id, message and signature. */
async function challenge(s: Scene, signer = s.me.account) {
  const start = await s.t.call('POST', '/v1/auth/wallet/start', {
    json: { address: signer.address, chain_id: 1 },
  });
  s.v.request_id = start.body.request_id;
  s.v.message = start.body.siwe_message;
  s.v.signature = await signer.signMessage({ message: start.body.siwe_message });
}

const verify = (s: Scene, signature = s.v.signature) => ({ json: { request_id: s.v.request_id, signature } });
/** The signature with its last byte (v) replaced. */
const withV = (sig: string, v: number) => `${sig.slice(0, 130)}${v.toString(16).padStart(2, '0')}`;
const unauthorized = (message: string) => () => ({
  error: 'unauthorized',
  message: `unauthorized: ${message}`,
});
const badRequest = (message: string) => () => ({ error: 'bad_request', message: `bad request: ${message}` });

table('POST /v1/auth/wallet/verify', [
  {
    name: 'a matching signature signs the wallet in as a master',
    setup: (s) => challenge(s),
    send: (s) => verify(s),
    status: 200,
    body: (s) => ({
      session_jwt: expect.any(String),
      session_jwt_kid: s.t.context.sessionKey.kid,
      expires_at: T0 + 18000,
      omni_account: omniOf('evm', s.me.address),
      wallet_address: s.me.address,
      identity_type: 'evm',
      identity_value: s.me.address,
    }),
    check: (s, body) => {
      const jwt = (body as { session_jwt: string }).session_jwt;
      expect(decodeProtectedHeader(jwt)).toEqual({
        typ: 'JWT',
        alg: 'ES256',
        kid: s.t.context.sessionKey.kid,
      });
      const omni = omniOf('evm', s.me.address);
      expect(decodeJwt(jwt)).toEqual({
        iss: 'http://127.0.0.1:8091',
        sub: `agentkeys:user:${omni}`,
        aud: 'agentkeys:broker',
        exp: T0 + 18000,
        iat: T0,
        jti: expect.stringMatching(/^[0-9a-f]+-[0-9a-f]{16}$/),
        agentkeys: {
          omni_account: omni,
          wallet_address: s.me.address,
          identity_type: 'evm',
          identity_value: s.me.address,
        },
      });
    },
  },
  {
    name: 'the session lifetime is BROKER_SESSION_JWT_TTL_SECONDS',
    env: { BROKER_SESSION_JWT_TTL_SECONDS: '120' },
    setup: (s) => challenge(s),
    send: (s) => verify(s),
    status: 200,
    body: (_s, got) => ({ ...got, expires_at: T0 + 120 }),
  },
  {
    name: 'v may be 0/1 instead of 27/28, and the 0x prefix may be left out',
    setup: (s) => challenge(s),
    send: (s) =>
      verify(
        s,
        withV(s.v.signature as string, Number.parseInt(s.v.signature?.slice(130) ?? '', 16) - 27).slice(2),
      ),
    status: 200,
  },
  {
    name: 'still valid at exactly 2700 s',
    setup: async (s) => {
      await challenge(s);
      s.t.advance(2700);
    },
    send: (s) => verify(s),
    status: 200,
  },
  {
    name: '401 expired one second later',
    setup: async (s) => {
      await challenge(s);
      s.t.advance(2701);
    },
    send: (s) => verify(s),
    status: 401,
    body: unauthorized('expired: siwe message expired (>= 2700s after issued_at)'),
  },
  {
    name: '401 for an unknown request id',
    send: () => ({ json: { request_id: 'siwe-nope', signature: '0x00' } }),
    status: 401,
    body: unauthorized('no pending wallet-sig challenge for request_id: siwe-nope'),
  },
  {
    name: '401 for a signature by another wallet, naming both addresses',
    setup: (s) => challenge(s),
    send: async (s) => verify(s, await other.signMessage({ message: s.v.message as string })),
    status: 401,
    body: (s) =>
      unauthorized(
        `signature does not recover to claimed address: claimed=${s.me.address}, recovered=${other.address.toLowerCase()}`,
      )(),
  },
  {
    name: '401 on reuse: the first answer ended the challenge',
    setup: async (s) => {
      await challenge(s);
      await s.t.call('POST', '/v1/auth/wallet/verify', verify(s));
    },
    send: (s) => verify(s),
    status: 401,
    body: (s) => unauthorized(`no pending wallet-sig challenge for request_id: ${s.v.request_id}`)(),
  },
  {
    name: 'a refused signature ends the challenge too',
    setup: async (s) => {
      await challenge(s);
      await s.t.call('POST', '/v1/auth/wallet/verify', verify(s, '0xzz'));
    },
    send: (s) => verify(s),
    status: 401,
    body: (s) => unauthorized(`no pending wallet-sig challenge for request_id: ${s.v.request_id}`)(),
  },
  {
    name: '400 for a signature that is not hex',
    setup: (s) => challenge(s),
    send: (s) => verify(s, '0xzz'),
    status: 400,
    body: badRequest("signature is not hex: Invalid character 'z' at position 0"),
  },
  {
    name: '400 for an odd number of hex digits',
    setup: (s) => challenge(s),
    send: (s) => verify(s, '0xabc'),
    status: 400,
    body: badRequest('signature is not hex: Odd number of digits'),
  },
  {
    name: '400 for a signature of 64 bytes',
    setup: (s) => challenge(s),
    send: (s) => verify(s, (s.v.signature as string).slice(0, 130)),
    status: 400,
    body: badRequest('signature must be 65 bytes, got 64'),
  },
  {
    name: '400 for a v byte other than 0, 1, 27, 28',
    setup: (s) => challenge(s),
    send: (s) => verify(s, withV(s.v.signature as string, 5)),
    status: 400,
    body: badRequest('unsupported v byte: 5'),
  },
  {
    name: '400 for r = 0',
    setup: (s) => challenge(s),
    send: (s) => verify(s, `0x${'00'.repeat(32)}${(s.v.signature as string).slice(66)}`),
    status: 400,
    body: badRequest('bad sig bytes: signature error'),
  },
  {
    name: '401 for the high-s twin of a valid signature',
    setup: (s) => challenge(s),
    send: (s) => {
      const sig = s.v.signature as string;
      const high = (N - BigInt(`0x${sig.slice(66, 130)}`)).toString(16).padStart(64, '0');
      const v = Number.parseInt(sig.slice(130), 16) === 27 ? 28 : 27;
      return verify(s, withV(`${sig.slice(0, 66)}${high}00`, v));
    },
    status: 401,
    body: unauthorized('recover failed: signature error'),
  },
  {
    name: '400 when wallet_sig is not an enabled method',
    signIn: true,
    anonymous: true,
    env: { BROKER_AUTH_METHODS: 'email_link' },
    send: () => ({ json: { request_id: 'siwe-x', signature: '0x00' } }),
    status: 400,
    body: badRequest('wallet_sig auth method not enabled'),
  },
  {
    name: '422 without a signature',
    send: () => ({ json: { request_id: 'siwe-x' } }),
    status: 422,
    body: () =>
      'Failed to deserialize the JSON body into the target type: missing field `signature` at line 1 column 23',
  },
]);
