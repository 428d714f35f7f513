// Google sign-in (cargo feature auth-oauth2-google): POST /v1/auth/oauth2/start, GET /auth/oauth2/callback
// and GET /v1/auth/oauth2/status/:request_id, with the broker's PKCE, signed state and single-use pending
// rows. The sandbox never calls Google: at start it files the consent Google would give (a code and an
// account) in the outbox, and at the callback it accepts exactly the codes it filed, once each.
import { createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Hono } from 'hono';
import type { BrokerContext } from '../context.ts';
import { AuthError, badRequest, internal, readJson, readQuery } from '../http.ts';
import { writeOutbox } from '../outbox.ts';
import { optional, rustDebug, str, struct } from '../serde.ts';
import { b64url, omniOf, signSessionJwt } from '../tokens.ts';
import { BROWSER_HEADERS } from './auth-email.ts';

/** How long a Google sign-in may take from start to callback, and how long its state is accepted. */
export const OAUTH2_FLOW_TTL_SECONDS = 600;
const GOOGLE_AUTH_ENDPOINT = 'https://accounts.google.com/o/oauth2/v2/auth';
// What Google's token endpoint answers for a code it does not know or already exchanged.
const INVALID_GRANT =
  '400 Bad Request: {\n  "error": "invalid_grant",\n  "error_description": "Bad Request"\n}';

const startShape = struct('OAuth2StartBody', [
  { name: 'provider', shape: optional(str), default: null },
  { name: 'source_ip', shape: optional(str), default: null },
]);

interface StatePayload {
  ver: string;
  rid: string;
  n: string;
  ts: number;
}

const escapeHtml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function oauth2Routes(app: Hono, ctx: BrokerContext): void {
  const { config, store } = ctx;
  const settings = config.signIn;
  // boot.ts has checked that the key file reads and is long enough.
  const key = readFileSync(settings.oauth2StateKeyPath as string);
  const redirectUri = settings.oauth2RedirectUri as string;
  const hmac = (text: string) => createHmac('sha256', key).update(text).digest();
  // The codes this stand-in for Google has handed out; each exchanges once, like Google's.
  const codes = new Map<string, { nonce: string; sub: string; used: boolean }>();

  const signState = (payload: StatePayload) => {
    const encoded = b64url(JSON.stringify(payload));
    return `${encoded}.${b64url(hmac(encoded))}`;
  };

  /** The signed state back from the browser: its signature, version and age, in the broker's order. */
  function verifyState(state: string, now: number): StatePayload {
    const dot = state.indexOf('.');
    if (dot < 0) throw new AuthError('unauthorized', 'state: missing separator');
    const encoded = state.slice(0, dot);
    const signature = state.slice(dot + 1);
    if (!/^[A-Za-z0-9_-]*$/.test(signature) || signature.length % 4 === 1) {
      throw new AuthError('unauthorized', 'state: sig decode failed');
    }
    const given = Buffer.from(signature, 'base64url');
    const expected = hmac(encoded);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new AuthError('unauthorized', 'state: HMAC mismatch');
    }
    let payload: StatePayload;
    try {
      payload = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
    } catch {
      throw new AuthError('unauthorized', 'state: payload not JSON');
    }
    if (payload.ver !== 'v1') throw new AuthError('unauthorized', 'state: wrong version');
    if (now - payload.ts > OAUTH2_FLOW_TTL_SECONDS) throw new AuthError('expired', 'state: ttl expired');
    return payload;
  }

  const page = (message: string) =>
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">` +
    `<title>AgentKeys sign-in</title></head><body><h1>${escapeHtml(message)}</h1></body></html>`;
  const htmlHeaders = {
    'content-type': 'text/html; charset=utf-8',
    ...BROWSER_HEADERS,
    'x-content-type-options': 'nosniff',
  };

  app.post('/v1/auth/oauth2/start', async (c) => {
    const body = await readJson<{ provider: string | null; source_ip: string | null }>(
      c,
      startShape,
      config.requestBodyLimitBytes,
    );
    const provider = body.provider?.trim() || 'google';
    if (provider !== 'google') {
      throw badRequest(
        `oauth2 provider ${rustDebug(provider)} not enabled (set BROKER_AUTH_METHODS=…,oauth2_${provider} and feature auth-oauth2-${provider})`,
      );
    }
    const now = ctx.now();
    if (body.source_ip !== null) {
      const max = settings.oauth2StartPerIpMinutely;
      if (max <= 0) throw internal(`invalid rate-limit config: window=60s limit=${max}`);
      const outcome = store.oauth2RateLimit(`oauth2_start_ip:${body.source_ip}`, now, 60, max);
      if (!outcome.allowed) {
        throw new AuthError(
          'rate_limited',
          `per-IP /v1/auth/oauth2/start rate limit exceeded; retry in ${outcome.retryAfter}s`,
        ).toBroker();
      }
    }
    const requestId = `oa2-${randomBytes(12).toString('base64url')}`;
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const nonce = randomBytes(16).toString('base64url');
    store.issueOauth2({
      request_id: requestId,
      provider: 'google',
      pkce_verifier: verifier,
      nonce,
      issued_at: now,
      expires_at: now + OAUTH2_FLOW_TTL_SECONDS,
    });
    const state = signState({ ver: 'v1', rid: requestId, n: nonce, ts: now });
    const url = new URL(GOOGLE_AUTH_ENDPOINT);
    const query: [string, string][] = [
      ['client_id', settings.oauth2ClientId as string],
      ['redirect_uri', redirectUri],
      ['response_type', 'code'],
      ['scope', 'openid email'],
      ['state', state],
      ['code_challenge', challenge],
      ['code_challenge_method', 'S256'],
      ['nonce', nonce],
      ['prompt', 'select_account'],
      ['access_type', 'online'],
    ];
    url.search = new URLSearchParams(query).toString();
    // What Google would hand back after the user picks an account: a code, and who they are.
    const code = `sandbox-${randomBytes(18).toString('base64url')}`;
    const sub = `1${Array.from({ length: 20 }, () => randomInt(10)).join('')}`;
    const email = `user-${sub.slice(-6)}@example.com`;
    codes.set(code, { nonce, sub, used: false });
    const callback = new URL(redirectUri);
    callback.search = new URLSearchParams({ code, state }).toString();
    writeOutbox(settings.dataDir, 'oauth2', requestId, {
      request_id: requestId,
      authorization_url: url.toString(),
      callback_url: callback.toString(),
      code,
      state,
      sub,
      email,
    });
    return c.json({
      request_id: requestId,
      expires_in_seconds: OAUTH2_FLOW_TTL_SECONDS,
      authorization_url: url.toString(),
      poll_url: `/v1/auth/oauth2/status/${requestId}`,
      provider: 'google',
    });
  });

  app.get('/auth/oauth2/callback', (c) => {
    const q = readQuery(c, ['code', 'state', 'error', 'error_description']);
    const now = ctx.now();
    if (q.error !== undefined) {
      // The user declined at Google: the poll learns it, and nothing is consumed.
      const reason = q.error_description !== undefined ? `${q.error}: ${q.error_description}` : q.error;
      if (q.state !== undefined) {
        try {
          store.markOauth2Failed(verifyState(q.state, now).rid, reason);
        } catch {}
      }
      return c.body(
        page(`Sign-in cancelled: ${q.error}. You may close this tab and try again.`),
        200,
        htmlHeaders,
      );
    }
    if (q.code === undefined) throw badRequest("oauth2 callback missing 'code' query param");
    if (q.state === undefined) throw badRequest("oauth2 callback missing 'state' query param");
    let requestId: string | undefined;
    let sub: string;
    try {
      const payload = verifyState(q.state, now);
      const spent = store.consumeOauth2(payload.rid, now);
      if (spent.outcome === 'expired') throw new AuthError('expired', 'oauth2 flow expired');
      if (spent.outcome === 'missing') {
        throw new AuthError('unauthorized', 'oauth2 pending row not found or already consumed');
      }
      // From here the flow is this call's: a failure is recorded on it for the poll to report.
      requestId = payload.rid;
      if (spent.row.nonce !== payload.n)
        throw new AuthError('unauthorized', 'nonce mismatch (state ↔ pending)');
      const granted = codes.get(q.code);
      if (!granted || granted.used) {
        throw new AuthError('upstream', `provider error: token exchange returned ${INVALID_GRANT}`);
      }
      granted.used = true;
      if (granted.nonce !== spent.row.nonce) throw new AuthError('unauthorized', 'id_token nonce mismatch');
      sub = granted.sub;
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      if (requestId !== undefined) store.markOauth2Failed(requestId, error.message);
      throw error.toBroker();
    }
    const omni = omniOf('oauth2_google', sub);
    const identity = {
      omni_account: omni,
      wallet_address: '',
      identity_type: 'oauth2_google',
      identity_value: sub,
    };
    const session = signSessionJwt(ctx.sessionKey, config.issuer, identity, now, config.sessionJwtTtlSeconds);
    if (!store.markOauth2Verified(requestId, session.jwt, omni, sub, session.exp)) {
      throw internal(`mark_verified: internal: mark_verified: no pending row for request_id=${requestId}`);
    }
    return c.body(page('Verified — return to your terminal.'), 200, htmlHeaders);
  });

  app.get('/v1/auth/oauth2/status/:request_id', (c) => {
    const requestId = c.req.param('request_id');
    const status = store.oauth2Status(requestId);
    switch (status.status) {
      case 'unknown':
        throw badRequest(`unknown request_id: ${requestId}`);
      case 'pending':
        return c.json({ status: 'pending' });
      case 'failed':
        return c.json({ status: 'failed', reason: status.reason });
      case 'verified':
        return c.json({
          status: 'verified',
          session_jwt: status.session_jwt,
          session_jwt_kid: ctx.sessionKey.kid,
          expires_at: status.expires_at,
          omni_account: status.omni_account,
          identity_type: 'oauth2_google',
          identity_value: status.identity_value,
        });
    }
  });
}
