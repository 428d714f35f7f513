// GET /healthz, /readyz and /metrics.
import type { Hono } from 'hono';
import type { BrokerContext } from '../context.ts';
import { renderMetrics } from '../context.ts';
import { notFound } from '../http.ts';
import { readiness, runChecks } from '../readiness.ts';

export function healthRoutes(app: Hono, ctx: BrokerContext): void {
  app.get('/healthz', (c) => c.text('ok'));

  app.get('/readyz', (c) => {
    const body = readiness(runChecks(ctx));
    return c.json(body, body.status === 'unready' ? 503 : 200);
  });

  app.get('/metrics', (c) => {
    if (!ctx.config.metricsEnabled) throw notFound('metrics are off; set BROKER_METRICS_ENABLED=true');
    return c.body(renderMetrics(ctx.counters), 200, {
      'content-type': 'text/plain; version=0.0.4; charset=utf-8',
    });
  });
}
