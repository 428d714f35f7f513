// POST /v1/auth/wallet/start and /verify: SIWE (EIP-4361) challenge, EIP-191 recovery, session JWT.
import { randomBytes } from 'node:crypto';
import type { Context, Hono } from 'hono';
import { recoverMessageAddress } from 'viem';
import { createSiweMessage } from 'viem/siwe';
import { z } from 'zod';
import type { BrokerContext } from '../context.ts';
import { ApiError, addressSchema, badRequest, expired, readJson, unauthorized } from '../http.ts';
import { omniOf, signSessionJwt } from '../tokens.ts';

const CHALLENGE_TTL_SECONDS = 300;
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A ULID: 48 bits of milliseconds, then 80 random bits, in Crockford base32. */
export function ulid(ms = Date.now()): string {
  let time = '';
  for (let t = ms, i = 0; i < 10; i++, t = Math.floor(t / 32)) time = CROCKFORD[t % 32] + time;
  const random = [...randomBytes(16)].map((b) => CROCKFORD[b % 32]);
  return time + random.join('');
}

const startBody = z.object({
  address: addressSchema,
  chain_id: z.number().int().min(1),
});
const verifyBody = z.object({
  request_id: z.string().min(1),
  signature: z
    .string()
    .regex(/^0x[0-9a-fA-F]{130}$/, 'must be 0x followed by 130 hex digits')
    .transform((s) => s as `0x${string}`),
});

function clientIp(c: Context): string {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? 'local';
}

export function walletAuthRoutes(app: Hono, ctx: BrokerContext): void {
  const { config, counters } = ctx;
  const domain = new URL(config.issuer).host;

  // Counts every sign-in call and files failures under the contract's three reasons.
  async function attempt<T>(run: () => Promise<T>): Promise<T> {
    counters.agentkeys_broker_auth_attempts_total++;
    try {
      return await run();
    } catch (error) {
      if (error instanceof ApiError && error.status === 401)
        counters.agentkeys_broker_auth_failed_unauthorized_total++;
      else if (error instanceof ApiError && error.message.startsWith('rate limited:')) {
        counters.agentkeys_broker_auth_failed_rate_limited_total++;
      } else counters.agentkeys_broker_auth_failed_other_total++;
      throw error;
    }
  }

  app.post('/v1/auth/wallet/start', (c) =>
    attempt(async () => {
      if (!config.authMethods.includes('wallet_sig')) {
        throw badRequest('wallet_sig is not an enabled auth method (BROKER_AUTH_METHODS)');
      }
      const body = await readJson(c, startBody);
      const ip = clientIp(c);
      const now = ctx.now();
      if (ctx.store.countChallengesSince(ip, now - 3600) >= config.rateLimitChallengesPerHourPerIp) {
        throw new ApiError(
          'bad_request',
          `more than ${config.rateLimitChallengesPerHourPerIp} sign-in challenges from this address in an hour`,
          'rate limited',
        );
      }
      const requestId = `siwe-${ulid(now * 1000)}`;
      const nonce = randomBytes(16).toString('hex');
      const expiresAt = now + CHALLENGE_TTL_SECONDS;
      const message = createSiweMessage({
        address: body.address,
        chainId: body.chain_id,
        domain,
        uri: config.issuer,
        version: '1',
        nonce,
        statement: 'Sign in to the AgentKeys broker.',
        issuedAt: new Date(now * 1000),
        expirationTime: new Date(expiresAt * 1000),
        requestId,
      });
      ctx.store.addSiweRequest({
        request_id: requestId,
        address: body.address,
        chain_id: body.chain_id,
        nonce,
        message,
        ip,
        issued_at: now,
        expires_at: expiresAt,
      });
      return c.json({
        request_id: requestId,
        siwe_message: message,
        nonce,
        expires_in_seconds: CHALLENGE_TTL_SECONDS,
        expires_at_iso: new Date(expiresAt * 1000).toISOString(),
      });
    }),
  );

  app.post('/v1/auth/wallet/verify', (c) =>
    attempt(async () => {
      const body = await readJson(c, verifyBody);
      const now = ctx.now();
      const request = ctx.store.getSiweRequest(body.request_id);
      if (!request) throw unauthorized('unknown sign-in request id; call /v1/auth/wallet/start first');
      if (request.used_at !== null || !ctx.store.spendSiweRequest(request.request_id, now)) {
        throw unauthorized('this sign-in request was already used; start a new one');
      }
      if (now > request.expires_at + config.ntpMaxSkewSeconds) {
        throw expired('the sign-in request is past its expiration time; start a new one');
      }
      let signer: string;
      try {
        signer = (
          await recoverMessageAddress({ message: request.message, signature: body.signature })
        ).toLowerCase();
      } catch {
        throw unauthorized('the signature is not a valid secp256k1 signature');
      }
      if (signer !== request.address) {
        throw unauthorized('the signature does not recover to the address that started this sign-in');
      }
      const omni = omniOf('evm', request.address);
      ctx.store.rememberMaster(omni, 'evm', request.address, now);
      const identity = {
        omni_account: omni,
        wallet_address: request.address,
        identity_type: 'evm',
        identity_value: request.address,
      };
      const session = await signSessionJwt(
        ctx.sessionKey,
        config.issuer,
        identity,
        now,
        config.sessionJwtTtlSeconds,
      );
      return c.json({
        session_jwt: session.jwt,
        session_jwt_kid: ctx.sessionKey.kid,
        expires_at: session.exp,
        ...identity,
      });
    }),
  );
}
