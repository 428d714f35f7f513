// GET /healthz, /readyz and /metrics.
import type { Hono } from 'hono';
import type { BrokerContext } from '../context.ts';
import { renderMetrics } from '../context.ts';
import { readiness, runChecks } from '../readiness.ts';

export function healthRoutes(app: Hono, ctx: BrokerContext): void {
  app.get('/healthz', (c) => c.body('ok', 200, { 'content-type': 'text/plain; charset=utf-8' }));

  app.get('/readyz', (c) => {
    const body = readiness(runChecks(ctx));
    return c.json(body, body.status === 'unready' ? 503 : 200);
  });

  // Off unless BROKER_METRICS_ENABLED is exactly "true": then 404 with an empty (text) body.
  app.get('/metrics', (c) => {
    if (!ctx.config.metricsEnabled) return c.body('', 404, { 'content-type': 'text/plain; charset=utf-8' });
    return c.body(renderMetrics(), 200, {
      'content-type': 'text/plain; version=0.0.4; charset=utf-8',
      'cache-control': 'no-store',
    });
  });
}
