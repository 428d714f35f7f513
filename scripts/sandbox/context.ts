// What every route of the sandbox broker shares: settings, keys, storage, pending sign-ins and the clock.
import type { BrokerConfig } from './config.ts';
import type { SigningKey } from './keys.ts';
import type { Store } from './store.ts';

// The counters GET /metrics prints, in its order, each with the HELP line the broker prints. At the
// commit the sandbox follows nothing increments them, so every value is 0.
// drift-ignore-start /metrics at c9e1694 still prints the two idempotency counters (always 0)
export const METRICS = [
  ['agentkeys_broker_mints_total', 'Total mint requests that returned 200.'],
  ['agentkeys_broker_mints_failed_total', 'Total mint requests that returned non-2xx.'],
  ['agentkeys_broker_audit_writes_total', 'Total successful audit-anchor writes.'],
  ['agentkeys_broker_audit_writes_failed_total', 'Total audit-anchor writes that errored.'],
  ['agentkeys_broker_auth_attempts_total', 'Total auth challenge or verify attempts.'],
  ['agentkeys_broker_auth_failed_unauthorized_total', 'Auth attempts that failed with 401 Unauthorized.'],
  ['agentkeys_broker_auth_failed_rate_limited_total', 'Auth attempts that failed with 429 Rate Limited.'],
  ['agentkeys_broker_auth_failed_other_total', 'Auth attempts that failed with any other 4xx/5xx.'],
  ['agentkeys_broker_idempotency_hits_total', 'Idempotency-Key replays served from cache.'],
  [
    'agentkeys_broker_idempotency_conflicts_total',
    'Idempotency-Key requests with mismatched body hash (422).',
  ],
] as const;
// drift-ignore-end

export const COUNTERS = METRICS.map(([name]) => name);

export function renderMetrics(): string {
  return METRICS.map(([name, help]) => `# HELP ${name} ${help}\n# TYPE ${name} counter\n${name} 0\n`).join(
    '',
  );
}

/** A SIWE challenge waiting for its signature; the broker keeps these in memory only. */
export interface PendingSiwe {
  nonce: string;
  address: string;
  chainId: bigint;
  message: string;
}

export interface BrokerContext {
  config: BrokerConfig;
  store: Store;
  oidcKey: SigningKey;
  sessionKey: SigningKey;
  /** Sign-in methods in use, in BROKER_AUTH_METHODS order. */
  authMethods: string[];
  /** SIWE challenges by request id; like the broker's, lost when the process restarts. */
  pendingSiwe: Map<string, PendingSiwe>;
  /** Unix seconds; replaceable so tests can move time. */
  now: () => number;
}
