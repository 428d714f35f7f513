// POST /v1/wallet/link, GET /v1/wallet/links, POST /v1/wallet/recover/lookup. Identities are stored as
// given (no case folding, any non-empty type); the first master to link one keeps it.
import type { Hono } from 'hono';
import type { BrokerContext } from '../context.ts';
import { badRequest, readJson, unauthorized } from '../http.ts';
import { str, struct } from '../serde.ts';
import { ownerAuth, sessionOwner } from './grants.ts';

const identityFields = [
  { name: 'identity_type', shape: str },
  { name: 'identity_value', shape: str },
];
const linkShape = struct('WalletLinkBody', identityFields);
const lookupShape = struct('RecoverLookupBody', identityFields);

interface Identity {
  identity_type: string;
  identity_value: string;
}

const checkIdentity = (i: Identity) => {
  if (i.identity_type.trim() === '' || i.identity_value.trim() === '') {
    throw badRequest('identity_type + identity_value must be non-empty');
  }
};

export function walletLinkRoutes(app: Hono, ctx: BrokerContext): void {
  const limit = ctx.config.requestBodyLimitBytes;
  const auth = ownerAuth(ctx);

  app.post('/v1/wallet/link', auth, async (c) => {
    const body = await readJson<Identity>(c, linkShape, limit);
    const master = sessionOwner(c);
    checkIdentity(body);
    const owner = ctx.store.ownerOf(body.identity_type, body.identity_value);
    if (owner !== undefined && owner !== master) {
      throw unauthorized(`identity already linked to a different master (${owner})`);
    }
    const now = ctx.now();
    ctx.store.link(master, body.identity_type, body.identity_value, now);
    // A repeat link keeps the first row but answers with the time of this call.
    return c.json({
      linked: true,
      omni_account: master,
      identity_type: body.identity_type,
      identity_value: body.identity_value,
      linked_at: now,
    });
  });

  app.get('/v1/wallet/links', auth, (c) => {
    const master = sessionOwner(c);
    return c.json({ owner: master, links: ctx.store.listLinks(master) });
  });

  app.post('/v1/wallet/recover/lookup', async (c) => {
    const body = await readJson<Identity>(c, lookupShape, limit);
    checkIdentity(body);
    const owner = ctx.store.ownerOf(body.identity_type, body.identity_value);
    if (owner !== undefined) {
      return c.json({
        linked: true,
        omni_account: owner,
        next_step: 'Have the master OmniAccount sign POST /v1/grant/create for your new daemon address.',
      });
    }
    return c.json({
      linked: false,
      next_step:
        'Identity not linked to any master. Re-authenticate with the master via /v1/auth/* and call /v1/wallet/link first.',
    });
  });
}
