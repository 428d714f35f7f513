// createBroker(config): the sandbox broker as a hono app that never listens, plus close().
import { type Context, Hono } from 'hono';
import { loadUpstream } from '../reference/upstream.ts';
import { runBootChecks } from './boot.ts';
import type { BrokerConfig } from './config.ts';
import type { BrokerContext } from './context.ts';
import { internal, isFailure } from './http.ts';
import { emailRoutes } from './routes/auth-email.ts';
import { oauth2Routes } from './routes/auth-oauth2.ts';
import { walletAuthRoutes } from './routes/auth-wallet.ts';
import { capRoutes } from './routes/cap.ts';
import { grantRoutes } from './routes/grants.ts';
import { healthRoutes } from './routes/health.ts';
import { mintRoutes } from './routes/mint.ts';
import { oidcRoutes } from './routes/oidc.ts';
import { walletLinkRoutes } from './routes/wallet-links.ts';

/** Response header of the sandbox's /healthz naming the broker it stands in for; the real broker sends none. */
export const UPSTREAM_HEADER = 'x-agentkeys-upstream';
const upstream = loadUpstream();
const upstreamHeaderValue = `${upstream.crate}@${upstream.commit} (${upstream.pr})`;

export interface Broker {
  app: Hono;
  context: BrokerContext;
  close(): void;
}

export interface BrokerOptions {
  /** Unix-seconds clock; tests pass their own to reach expiry without waiting. */
  now?: () => number;
}

/** The methods each path is served with, in the form of axum's Allow header (GET brings HEAD along). */
function allowedMethods(app: Hono): { pattern: RegExp; allow: string }[] {
  const byPath = new Map<string, string[]>();
  for (const { method, path } of app.routes) {
    if (method === 'ALL') continue;
    const list = byPath.get(path) ?? [];
    if (!list.includes(method)) list.push(method, ...(method === 'GET' ? ['HEAD'] : []));
    byPath.set(path, list);
  }
  return [...byPath].map(([path, methods]) => ({
    pattern: new RegExp(`^${path.replace(/[.]/g, '\\.').replace(/:\w+/g, '[^/]+')}$`),
    allow: methods.join(','),
  }));
}

/** Builds the broker: runs the BOOT_FAIL checks (keys, SQLite files, plug-ins), wires the routes. Throws BootFailError. */
export function createBroker(config: BrokerConfig, options: BrokerOptions = {}): Broker {
  const { oidcKey, sessionKey, store, authMethods } = runBootChecks(config);
  const ctx: BrokerContext = {
    config,
    store,
    oidcKey,
    sessionKey,
    authMethods,
    pendingSiwe: new Map(),
    now: options.now ?? (() => Math.floor(Date.now() / 1000)),
  };

  const app = new Hono();
  // The body of /healthz stays the broker's plain `ok`; a header says which broker commit this stands in for.
  app.use('/healthz', async (c, next) => {
    await next();
    c.res.headers.set(UPSTREAM_HEADER, upstreamHeaderValue);
  });
  healthRoutes(app, ctx);
  oidcRoutes(app, ctx);
  mintRoutes(app, ctx);
  capRoutes(app, ctx);
  walletAuthRoutes(app, ctx);
  grantRoutes(app, ctx);
  walletLinkRoutes(app, ctx);
  // The sandbox behaves as a broker built with exactly the features of the enabled sign-in methods:
  // without email_link or oauth2_google their routes do not exist, as on a default build.
  if (authMethods.includes('email_link')) emailRoutes(app, ctx);
  if (authMethods.includes('oauth2_google')) oauth2Routes(app, ctx);

  const served = allowedMethods(app);
  // A known path asked with another method is 405 with an Allow header; anything else is 404. Both empty.
  app.notFound((c: Context) => {
    const known = served.find((r) => r.pattern.test(c.req.path));
    return known ? c.body(null, 405, { allow: known.allow }) : c.body(null, 404);
  });
  app.onError((error, c) => {
    if (isFailure(error)) return error.respond(c);
    // Unexpected failures answer without details: no stack trace leaves the process.
    return internal('the sandbox failed to handle this request').respond(c);
  });

  return { app, context: ctx, close: () => store.close() };
}
