// POST /v1/wallet/link, GET /v1/wallet/links, POST /v1/wallet/recover/lookup.
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import type { BrokerContext } from '../context.ts';
import { badRequest, bearerToken, notFound, readJson, unauthorized } from '../http.ts';
import { omniOf, verifySessionJwt } from '../tokens.ts';

const identityBody = z
  .object({
    identity_type: z.enum(['evm', 'email', 'oauth2_google']),
    identity_value: z.string().trim().min(1, 'must not be empty'),
  })
  .transform((v, issue) => {
    // Normalised the way sign-in produces them, so one identity always maps to one omni.
    const value = v.identity_type === 'oauth2_google' ? v.identity_value : v.identity_value.toLowerCase();
    if (v.identity_type === 'evm' && !/^0x[0-9a-f]{40}$/.test(value)) {
      issue.addIssue({
        code: 'custom',
        path: ['identity_value'],
        message: 'an evm identity is a 0x address',
      });
    }
    if (v.identity_type === 'email' && !/^[^@\s]+@[^@\s]+$/.test(value)) {
      issue.addIssue({ code: 'custom', path: ['identity_value'], message: 'not an email address' });
    }
    return {
      identity_type: v.identity_type,
      identity_value: value,
      identity_omni: omniOf(v.identity_type, value),
    };
  });

export function walletLinkRoutes(app: Hono, ctx: BrokerContext): void {
  const caller = async (c: Context) =>
    (await verifySessionJwt(ctx.sessionKey, ctx.config.issuer, bearerToken(c), ctx.now())).omni_account;

  app.post('/v1/wallet/link', async (c) => {
    const master = await caller(c);
    const identity = await readJson(c, identityBody);
    if (identity.identity_omni === master) throw badRequest('that identity is the signed-in master itself');
    const existing = ctx.store.getLink(identity.identity_omni);
    if (existing && existing.master_omni !== master)
      throw unauthorized('that identity is linked to another master');
    if (!existing && ctx.store.isMaster(identity.identity_omni)) {
      throw unauthorized('that identity is another master account');
    }
    const row = existing ?? { ...identity, master_omni: master, linked_at: ctx.now() };
    if (!existing) ctx.store.addLink(row);
    return c.json({
      omni_account: master,
      identity_type: row.identity_type,
      identity_value: row.identity_value,
      identity_omni: row.identity_omni,
      linked_at: row.linked_at,
    });
  });

  app.get('/v1/wallet/links', async (c) => {
    const master = await caller(c);
    const links = ctx.store.listLinks(master).map(({ master_omni: _, ...link }) => link);
    return c.json({ omni_account: master, links });
  });

  app.post('/v1/wallet/recover/lookup', async (c) => {
    const identity = await readJson(c, identityBody);
    const link = ctx.store.getLink(identity.identity_omni);
    if (link) return c.json({ omni_account: link.master_omni });
    if (ctx.store.isMaster(identity.identity_omni)) return c.json({ omni_account: identity.identity_omni });
    throw notFound('no account is linked to that identity');
  });
}
