// Email-link sign-in (cargo feature auth-email-link): POST /v1/auth/email/request, POST (and a refused
// GET) /v1/auth/email/verify, GET /v1/auth/email/status/:request_id and GET /auth/email/landing. The
// sandbox sends no mail: the message it would send is filed in the outbox (outbox.ts).
import { randomBytes } from 'node:crypto';
import type { Hono } from 'hono';
import type { BrokerContext } from '../context.ts';
import { AuthError, badRequest, internal, readJson, unauthorized } from '../http.ts';
import { writeOutbox } from '../outbox.ts';
import { optional, rustDebug, str, struct } from '../serde.ts';
import { omniOf, sha256Hex, signSessionJwt } from '../tokens.ts';

/** How long an emailed link works. */
export const EMAIL_TOKEN_TTL_SECONDS = 600;

const requestShape = struct('EmailRequestBody', [
  { name: 'email', shape: str },
  { name: 'source_ip', shape: optional(str) },
]);
const verifyShape = struct('EmailVerifyBody', [
  { name: 'token', shape: str },
  { name: 'request_id', shape: optional(str), default: null },
]);

/** Headers the broker puts on every browser-facing answer of the sign-in flows. */
export const BROWSER_HEADERS = { 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' };

// The page the emailed link opens: it takes the token from the URL fragment (never sent to a server)
// and posts it to /v1/auth/email/verify.
const LANDING_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>AgentKeys sign-in</title>
</head>
<body>
<main>
<h1>AgentKeys sign-in</h1>
<p id="status">Checking your link…</p>
</main>
<script>
(async () => {
  const status = document.getElementById('status');
  const found = /^#t=([A-Za-z0-9_-]+)$/.exec(location.hash);
  history.replaceState(null, '', location.pathname);
  if (!found) {
    status.textContent = 'This link is incomplete. Ask for a new one from your terminal.';
    return;
  }
  try {
    const res = await fetch('/v1/auth/email/verify', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: found[1] }),
    });
    const body = await res.json().catch(() => ({}));
    status.textContent = res.ok
      ? 'Signed in. Go back to your terminal.'
      : 'Sign-in failed: ' + (body.message || res.status);
  } catch (error) {
    status.textContent = 'Could not reach the broker: ' + error.message;
  }
})();
</script>
</body>
</html>
`;

export function emailRoutes(app: Hono, ctx: BrokerContext): void {
  const { config, store } = ctx;
  const settings = config.signIn;
  const limit = config.requestBodyLimitBytes;

  const rateLimit = (bucket: string, window: number, max: number, what: string) => {
    if (max <= 0)
      throw new AuthError('internal', `invalid rate-limit config: window=${window}s limit=${max}`);
    const outcome = store.emailRateLimit(bucket, ctx.now(), window, max);
    if (!outcome.allowed) {
      throw new AuthError('rate_limited', `${what} rate limit exceeded; retry in ${outcome.retryAfter}s`);
    }
  };

  app.post('/v1/auth/email/request', async (c) => {
    const body = await readJson<{ email: string; source_ip: string | null }>(c, requestShape, limit);
    try {
      const email = body.email.trim().toLowerCase();
      if (email === '' || !email.includes('@')) {
        throw new AuthError('invalid_request', `malformed email: ${rustDebug(email)}`);
      }
      rateLimit(`email:${email}`, 3600, settings.emailPerEmailHourly, 'per-email');
      if (body.source_ip !== null)
        rateLimit(`ip:${body.source_ip}`, 60, settings.emailPerIpMinutely, 'per-IP');
      const requestId = `eml-${randomBytes(12).toString('hex')}`;
      const token = randomBytes(32).toString('base64url');
      const now = ctx.now();
      store.issueEmailToken(sha256Hex(token), requestId, email, now, now + EMAIL_TOKEN_TTL_SECONDS);
      const landingUrl = `${config.issuer.replace(/\/+$/, '')}/auth/email/landing#t=${token}`;
      writeOutbox(settings.dataDir, 'email', requestId, {
        request_id: requestId,
        to: email,
        from: settings.emailFromAddress ?? '',
        landing_url: landingUrl,
        sent_at: now,
      });
      return c.json({
        request_id: requestId,
        expires_in_seconds: EMAIL_TOKEN_TTL_SECONDS,
        poll_url: `/v1/auth/email/status/${requestId}`,
      });
    } catch (error) {
      throw error instanceof AuthError ? error.toBroker() : error;
    }
  });

  app.post('/v1/auth/email/verify', async (c) => {
    const body = await readJson<{ token: string; request_id: string | null }>(c, verifyShape, limit);
    const spent = store.consumeEmailToken(sha256Hex(body.token), ctx.now());
    if (spent.outcome === 'expired') throw unauthorized('magic link expired (>10min after issued_at)');
    if (spent.outcome === 'missing') throw unauthorized('magic link unknown or already consumed');
    const { request_id: requestId, email } = spent.row;
    // Checked after the token is spent, so a link tried with the wrong request id cannot be used again.
    if (body.request_id !== null && body.request_id !== requestId) {
      throw unauthorized(
        `request_id mismatch: token bound to ${requestId} but body claimed ${body.request_id}`,
      );
    }
    const omni = omniOf('email', email);
    const now = ctx.now();
    const identity = {
      omni_account: omni,
      wallet_address: '',
      identity_type: 'email',
      identity_value: email,
    };
    const session = signSessionJwt(ctx.sessionKey, config.issuer, identity, now, config.sessionJwtTtlSeconds);
    if (!store.markEmailVerified(requestId, session.jwt, omni, session.exp)) {
      throw internal(`mark_verified: internal: mark_verified: no pending row for request_id=${requestId}`);
    }
    return c.json({ ok: true }, 200, BROWSER_HEADERS);
  });

  // Link scanners fetch with GET; refusing GET keeps them from spending the token.
  app.get('/v1/auth/email/verify', (c) =>
    c.body('POST required; GET on this endpoint is rejected to defeat magic-link prefetchers', 405, {
      allow: 'POST',
      'content-type': 'text/plain; charset=utf-8',
    }),
  );

  app.get('/v1/auth/email/status/:request_id', (c) => {
    const requestId = c.req.param('request_id');
    const status = store.emailStatus(requestId);
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
        });
    }
  });

  app.get('/auth/email/landing', (c) =>
    c.body(LANDING_PAGE, 200, {
      'content-type': 'text/html; charset=utf-8',
      ...BROWSER_HEADERS,
      'x-content-type-options': 'nosniff',
    }),
  );
}
