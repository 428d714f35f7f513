// createBroker(config): the sandbox broker as a hono app that never listens, plus close().
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { loadUpstream } from '../reference/upstream.ts';
import { runBootChecks } from './boot.ts';
import type { BrokerConfig } from './config.ts';
import { type BrokerContext, COUNTERS, type Counter } from './context.ts';
import { ApiError, errorResponse, notFound, tooLarge } from './http.ts';
import { walletAuthRoutes } from './routes/auth-wallet.ts';
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

/** Builds the broker: runs the BOOT_FAIL checks (keys, SQLite files, plug-ins), wires the routes. Throws BootFailError. */
export function createBroker(config: BrokerConfig, options: BrokerOptions = {}): Broker {
  const { oidcKey, sessionKey, store, authMethods } = runBootChecks(config);
  const ctx: BrokerContext = {
    config,
    store,
    oidcKey,
    sessionKey,
    authMethods,
    counters: Object.fromEntries(COUNTERS.map((n) => [n, 0])) as Record<Counter, number>,
    now: options.now ?? (() => Math.floor(Date.now() / 1000)),
  };

  const app = new Hono();
  app.use(
    bodyLimit({
      maxSize: config.requestBodyLimitBytes,
      onError: (c) => errorResponse(c, tooLarge(config.requestBodyLimitBytes)),
    }),
  );
  // The body of /healthz stays the broker's plain `ok`; a header says which broker commit this stands in for.
  app.use('/healthz', async (c, next) => {
    await next();
    c.res.headers.set(UPSTREAM_HEADER, upstreamHeaderValue);
  });
  healthRoutes(app, ctx);
  oidcRoutes(app, ctx);
  walletAuthRoutes(app, ctx);
  mintRoutes(app, ctx);
  grantRoutes(app, ctx);
  walletLinkRoutes(app, ctx);

  app.notFound((c) =>
    errorResponse(c, notFound(`${c.req.method} ${c.req.path} is not a route of this broker`)),
  );
  app.onError((error, c) => {
    if (error instanceof ApiError) return errorResponse(c, error);
    if (error instanceof HTTPException) {
      return errorResponse(
        c,
        new ApiError(
          error.status >= 500 ? 'internal' : 'bad_request',
          error.message,
          undefined,
          error.status,
        ),
      );
    }
    // Unexpected failures answer without details: no stack trace leaves the process.
    return errorResponse(c, new ApiError('internal', 'the broker failed to handle this request'));
  });

  return { app, context: ctx, close: () => store.close() };
}
