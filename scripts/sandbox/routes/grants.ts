// POST /v1/grant/create, GET /v1/grant/list, POST /v1/grant/revoke: records only, never consumed by a mint.
import { randomBytes } from 'node:crypto';
import type { Context, Hono } from 'hono';
import type { BrokerContext } from '../context.ts';
import { badRequest, readJson } from '../http.ts';
import { json } from '../json.ts';
import { i64, rustDebug, str, struct } from '../serde.ts';
import { session, sessionAuth } from '../session.ts';
import { signGrantProof } from '../tokens.ts';

const createShape = struct('GrantCreateBody', [
  { name: 'daemon_address', shape: str },
  { name: 'service', shape: str },
  { name: 'scope_path', shape: str },
  { name: 'expires_at', shape: i64 },
  { name: 'max_uses', shape: i64 },
]);
const revokeShape = struct('GrantRevokeBody', [{ name: 'grant_id', shape: str }]);

interface CreateBody {
  daemon_address: string;
  service: string;
  scope_path: string;
  expires_at: bigint;
  max_uses: bigint;
}

/** The master behind the session JWT a grant or wallet-link route requires. */
export const sessionOwner = (c: Context) => session(c).claims().agentkeys.omni_account;

/** The session check of the grant and wallet-link routes, with their shared 401 message. */
export const ownerAuth = (ctx: BrokerContext) =>
  sessionAuth(ctx, { missing: 'missing or malformed Authorization header' });

export function grantRoutes(app: Hono, ctx: BrokerContext): void {
  const limit = ctx.config.requestBodyLimitBytes;
  const auth = ownerAuth(ctx);

  app.post('/v1/grant/create', auth, async (c) => {
    const body = await readJson<CreateBody>(c, createShape, limit);
    const master = sessionOwner(c);
    const daemon = body.daemon_address;
    if (!daemon.startsWith('0x') || Buffer.byteLength(daemon) < 6) {
      throw badRequest('daemon_address must be a 0x-prefixed address');
    }
    if (body.service === '' || body.scope_path === '')
      throw badRequest('service + scope_path must be non-empty');
    if (body.max_uses < 1n) throw badRequest('max_uses must be >= 1');
    const now = ctx.now();
    if (body.expires_at <= BigInt(now)) {
      throw badRequest(`expires_at (${body.expires_at}) must be in the future (now=${now})`);
    }
    const grant = {
      grant_id: `grn-${randomBytes(12).toString('base64url')}`,
      master_omni_account: master,
      daemon_address: daemon,
      service: body.service,
      scope_path: body.scope_path,
      granted_at: now,
      expires_at: body.expires_at,
      max_uses: body.max_uses,
    };
    const audit_proof = signGrantProof(ctx.sessionKey, ctx.config.issuer, grant);
    ctx.store.addGrant({ ...grant, audit_proof });
    return json(c, {
      grant_id: grant.grant_id,
      audit_proof,
      granted_at: now,
      expires_at: body.expires_at,
      max_uses: body.max_uses,
    });
  });

  app.get('/v1/grant/list', auth, (c) => {
    const master = sessionOwner(c);
    return json(c, { owner: master, grants: ctx.store.listGrants(master) });
  });

  app.post('/v1/grant/revoke', auth, async (c) => {
    const { grant_id } = await readJson<{ grant_id: string }>(c, revokeShape, limit);
    const master = sessionOwner(c);
    if (grant_id.trim() === '') throw badRequest('grant_id required');
    const now = ctx.now();
    // Unknown, foreign and already revoked get one answer, so grant ids of other masters cannot be probed.
    if (!ctx.store.revokeGrant(grant_id, master, now)) {
      throw badRequest(
        `grant_id ${rustDebug(grant_id)} not found, not owned by this master, or already revoked`,
      );
    }
    return json(c, { grant_id, revoked_at: now });
  });
}
