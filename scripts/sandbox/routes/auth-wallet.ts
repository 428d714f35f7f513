// POST /v1/auth/wallet/start and /verify: the broker's SIWE (EIP-4361) challenge, EIP-191 recovery and
// session JWT, with its checks in its order and its message texts.
import { randomBytes } from 'node:crypto';
import type { Hono } from 'hono';
import { hashMessage, recoverAddress } from 'viem';
import type { BrokerContext } from '../context.ts';
import { AuthError, badRequest, internal, readJson } from '../http.ts';
import { optional, str, struct, u64 } from '../serde.ts';
import { omniOf, signSessionJwt } from '../tokens.ts';

/** How long a SIWE challenge stays valid. */
export const SIWE_TTL_SECONDS = 45 * 60;
// Order of the secp256k1 group; a canonical signature has s at most half of it.
const CURVE_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

const startShape = struct('WalletStartRequest', [
  { name: 'address', shape: str },
  { name: 'chain_id', shape: u64 },
  { name: 'source_ip', shape: optional(str) },
]);
const verifyShape = struct('WalletVerifyRequest', [
  { name: 'request_id', shape: str },
  { name: 'signature', shape: str },
]);

/** `2026-05-05T14:22:11Z`: seconds precision, as the broker writes SIWE times. */
export const isoSeconds = (unix: number) => new Date(unix * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The host part of the issuer (everything between `://` and the next `/`), the SIWE domain. */
const hostOf = (url: string) => (url.split('://')[1] ?? url).split('/')[0] ?? url;

/** Rust's `{:?}` of a char made from one byte, as the hex crate reports a bad digit. */
function charDebug(byte: number): string {
  const escapes: Record<number, string> = { 0: '\\0', 9: '\\t', 10: '\\n', 13: '\\r', 39: "\\'", 92: '\\\\' };
  if (escapes[byte]) return `'${escapes[byte]}'`;
  if (byte < 0x20 || (byte >= 0x7f && byte < 0xa0)) return `'\\u{${byte.toString(16)}}'`;
  return `'${String.fromCharCode(byte)}'`;
}

/** The address a 65-byte `r‖s‖v` personal_sign signature over `message` recovers to, or an AuthError. */
async function recoverSigner(message: string, signature: string): Promise<string> {
  const digits = Buffer.from(signature.replace(/^(?:0x)+/, ''), 'utf8');
  if (digits.length % 2 !== 0)
    throw new AuthError('invalid_request', 'signature is not hex: Odd number of digits');
  const bad = digits.findIndex((b) => !/[0-9a-fA-F]/.test(String.fromCharCode(b)));
  if (bad >= 0) {
    throw new AuthError(
      'invalid_request',
      `signature is not hex: Invalid character ${charDebug(digits[bad] as number)} at position ${bad}`,
    );
  }
  const bytes = Buffer.from(digits.toString('latin1'), 'hex');
  if (bytes.length !== 65) {
    throw new AuthError('invalid_request', `signature must be 65 bytes, got ${bytes.length}`);
  }
  const v = bytes[64] as number;
  if (![0, 1, 27, 28].includes(v)) throw new AuthError('invalid_request', `unsupported v byte: ${v}`);
  const r = BigInt(`0x${bytes.subarray(0, 32).toString('hex')}`);
  const s = BigInt(`0x${bytes.subarray(32, 64).toString('hex')}`);
  if (r === 0n || s === 0n || r >= CURVE_N || s >= CURVE_N) {
    throw new AuthError('invalid_request', 'bad sig bytes: signature error');
  }
  // The broker's secp256k1 library refuses a high-s signature while recovering.
  if (s > CURVE_N / 2n) throw new AuthError('unauthorized', 'recover failed: signature error');
  try {
    const recovered = await recoverAddress({
      hash: hashMessage(message),
      signature: {
        r: `0x${bytes.subarray(0, 32).toString('hex')}`,
        s: `0x${bytes.subarray(32, 64).toString('hex')}`,
        yParity: v % 27,
      },
    });
    return recovered.toLowerCase();
  } catch {
    throw new AuthError('unauthorized', 'recover failed: signature error');
  }
}

export function walletAuthRoutes(app: Hono, ctx: BrokerContext): void {
  const { config } = ctx;
  const enabled = () => config.authMethods.includes('wallet_sig');
  const domain = hostOf(config.issuer);
  const limit = config.requestBodyLimitBytes;

  app.post('/v1/auth/wallet/start', async (c) => {
    const body = await readJson<{ address: string; chain_id: bigint }>(c, startShape, limit);
    if (!enabled()) {
      throw badRequest('wallet_sig auth method is not enabled (set BROKER_AUTH_METHODS=wallet_sig,…)');
    }
    const address = body.address.toLowerCase();
    if (Buffer.byteLength(address) !== 42 || !/^0x[0-9a-f]{40}$/.test(address)) {
      throw badRequest(`malformed address: ${address}`);
    }
    const requestId = `siwe-${randomBytes(16).toString('hex')}`;
    const nonce = randomBytes(16).toString('hex');
    const now = ctx.now();
    const expiresAt = now + SIWE_TTL_SECONDS;
    ctx.store.issueNonce(nonce, address, now, expiresAt);
    const message = [
      `${domain} wants you to sign in with your Ethereum account:`,
      address,
      '',
      'Authenticate with AgentKeys broker.',
      '',
      `URI: ${config.issuer}`,
      'Version: 1',
      `Chain ID: ${body.chain_id}`,
      `Nonce: ${nonce}`,
      `Issued At: ${isoSeconds(now)}`,
      `Expiration Time: ${isoSeconds(expiresAt)}`,
      'Resources:',
      '- urn:agentkeys:client:agentkeys',
    ].join('\n');
    ctx.pendingSiwe.set(requestId, { nonce, address, chainId: body.chain_id, message });
    return c.json({
      request_id: requestId,
      expires_in_seconds: SIWE_TTL_SECONDS,
      siwe_message: message,
      nonce,
      expires_at_iso: isoSeconds(expiresAt),
    });
  });

  app.post('/v1/auth/wallet/verify', async (c) => {
    const body = await readJson<{ request_id: string; signature: string }>(c, verifyShape, limit);
    if (!enabled()) throw badRequest('wallet_sig auth method not enabled');
    let address: string;
    try {
      // The challenge is spent before the signature is looked at: a bad signature burns it too.
      const pending = ctx.pendingSiwe.get(body.request_id);
      ctx.pendingSiwe.delete(body.request_id);
      if (!pending) {
        throw new AuthError(
          'unauthorized',
          `no pending wallet-sig challenge for request_id: ${body.request_id}`,
        );
      }
      const spent = ctx.store.consumeNonce(pending.nonce, ctx.now());
      if (spent.outcome === 'expired') {
        throw new AuthError('expired', `siwe message expired (>= ${SIWE_TTL_SECONDS}s after issued_at)`);
      }
      if (spent.outcome === 'missing') {
        throw new AuthError('unauthorized', 'nonce already consumed or unknown — replay rejected');
      }
      const recovered = await recoverSigner(pending.message, body.signature);
      if (recovered !== pending.address) {
        throw new AuthError(
          'unauthorized',
          `signature does not recover to claimed address: claimed=${pending.address}, recovered=${recovered}`,
        );
      }
      address = pending.address;
    } catch (error) {
      throw error instanceof AuthError ? error.toBroker() : error;
    }
    const now = ctx.now();
    const omni = omniOf('evm', address);
    try {
      ctx.store.bindMasterWallet(omni, address, now);
    } catch (error) {
      throw internal(`wallet bind: ${(error as Error).message}`);
    }
    const identity = {
      omni_account: omni,
      wallet_address: address,
      identity_type: 'evm',
      identity_value: address,
    };
    const session = signSessionJwt(ctx.sessionKey, config.issuer, identity, now, config.sessionJwtTtlSeconds);
    return c.json({
      session_jwt: session.jwt,
      session_jwt_kid: ctx.sessionKey.kid,
      expires_at: session.exp,
      omni_account: omni,
      wallet_address: address,
      identity_type: 'evm',
      identity_value: address,
    });
  });
}
