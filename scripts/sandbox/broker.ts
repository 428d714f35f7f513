// createBroker(config): the sandbox broker as a hono app that never listens, plus close().
import { mkdirSync } from 'node:fs';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { BootFailError, type BrokerConfig } from './config.ts';
import { type BrokerContext, COUNTERS, type Counter } from './context.ts';
import { ApiError, errorResponse, notFound, tooLarge } from './http.ts';
import { loadOrCreateKey } from './keys.ts';
import { readiness, runChecks } from './readiness.ts';
import { walletAuthRoutes } from './routes/auth-wallet.ts';
import { grantRoutes } from './routes/grants.ts';
import { healthRoutes } from './routes/health.ts';
import { mintRoutes } from './routes/mint.ts';
import { oidcRoutes } from './routes/oidc.ts';
import { walletLinkRoutes } from './routes/wallet-links.ts';
import { openStore } from './store.ts';

export interface Broker {
  app: Hono;
  context: BrokerContext;
  close(): void;
}

export interface BrokerOptions {
  /** Unix-seconds clock; tests pass their own to reach expiry without waiting. */
  now?: () => number;
}

/** Builds the broker: loads or creates both keys, opens SQLite, wires the routes. Throws BootFailError. */
export function createBroker(config: BrokerConfig, options: BrokerOptions = {}): Broker {
  try {
    mkdirSync(config.dataDir, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new BootFailError(
      'BROKER_DATA_DIR',
      config.dataDir,
      `cannot create the directory (${code})`,
      'data-dir',
    );
  }
  const oidcKey = loadOrCreateKey(config.oidcKeypairPath, 'oidc');
  const sessionKey = loadOrCreateKey(config.sessionKeypairPath, 'session');
  const store = openStore(config.auditDbPath);
  const ctx: BrokerContext = {
    config,
    store,
    oidcKey,
    sessionKey,
    counters: Object.fromEntries(COUNTERS.map((n) => [n, 0])) as Record<Counter, number>,
    now: options.now ?? (() => Math.floor(Date.now() / 1000)),
  };
  // Strict mode turns every check that is not ready, degraded ones included, into a refusal to boot.
  if (config.refuseToBootStrict) {
    const failing = readiness(runChecks(ctx)).checks[0];
    if (failing) {
      store.close();
      throw new BootFailError(
        'BROKER_REFUSE_TO_BOOT_STRICT',
        'true',
        `readiness check ${failing.name} is ${failing.status}: ${failing.detail}`,
        `readyz-${failing.name}`,
      );
    }
  }

  const app = new Hono();
  app.use(
    bodyLimit({
      maxSize: config.requestBodyLimitBytes,
      onError: (c) => errorResponse(c, tooLarge(config.requestBodyLimitBytes)),
    }),
  );
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
