// POST /v1/grant/create, GET /v1/grant/list, POST /v1/grant/revoke: records only, never consumed by a mint.
import { createHash } from 'node:crypto';
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import type { BrokerContext } from '../context.ts';
import { addressSchema, badRequest, bearerToken, readJson } from '../http.ts';
import { verifySessionJwt } from '../tokens.ts';
import { ulid } from './auth-wallet.ts';

const createBody = z.object({
  daemon_address: addressSchema,
  service: z.string().trim().min(1, 'must not be empty'),
  scope_path: z.string().trim().min(1, 'must not be empty'),
  expires_at: z.number().int(),
  max_uses: z.number().int().min(1, 'must be at least 1'),
});
const revokeBody = z.object({ grant_id: z.string().min(1) });

export function grantRoutes(app: Hono, ctx: BrokerContext): void {
  const caller = async (c: Context) =>
    (await verifySessionJwt(ctx.sessionKey, ctx.config.issuer, bearerToken(c), ctx.now())).omni_account;

  app.post('/v1/grant/create', async (c) => {
    const owner = await caller(c);
    const body = await readJson(c, createBody);
    const now = ctx.now();
    if (body.expires_at <= now) throw badRequest('expires_at: must be in the future (unix seconds)');
    const grant = {
      grant_id: `grn-${ulid(now * 1000)}`,
      master_omni_account: owner,
      granted_at: now,
      ...body,
    };
    // A digest of the recorded fields, so a later audit can tell the row was not altered.
    const audit_proof = createHash('sha256').update(JSON.stringify(grant)).digest('hex');
    ctx.store.addGrant({ ...grant, audit_proof });
    return c.json({
      grant_id: grant.grant_id,
      audit_proof,
      granted_at: now,
      expires_at: grant.expires_at,
      max_uses: grant.max_uses,
    });
  });

  app.get('/v1/grant/list', async (c) => {
    const owner = await caller(c);
    return c.json({ owner, grants: ctx.store.listGrants(owner) });
  });

  app.post('/v1/grant/revoke', async (c) => {
    const owner = await caller(c);
    const { grant_id } = await readJson(c, revokeBody);
    const grant = ctx.store.getGrant(grant_id);
    // Unknown and foreign grants get the same answer so ids of other masters cannot be probed.
    if (!grant || grant.master_omni_account !== owner) throw badRequest(`no grant ${grant_id} of yours`);
    const now = ctx.now();
    if (grant.revoked_at !== null || !ctx.store.revokeGrant(grant_id, now)) {
      throw badRequest(`grant ${grant_id} is already revoked`);
    }
    return c.json({ grant_id, revoked_at: now });
  });
}
