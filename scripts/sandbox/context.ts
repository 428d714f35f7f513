// What every route of the sandbox broker shares: settings, keys, storage, counters and the clock.
import type { BrokerConfig } from './config.ts';
import type { SigningKey } from './keys.ts';
import type { Store } from './store.ts';

export const COUNTERS = [
  'agentkeys_broker_mints_total',
  'agentkeys_broker_mints_failed_total',
  'agentkeys_broker_audit_writes_total',
  'agentkeys_broker_audit_writes_failed_total',
  'agentkeys_broker_auth_attempts_total',
  'agentkeys_broker_auth_failed_unauthorized_total',
  'agentkeys_broker_auth_failed_rate_limited_total',
  'agentkeys_broker_auth_failed_other_total',
] as const;

export type Counter = (typeof COUNTERS)[number];

export interface BrokerContext {
  config: BrokerConfig;
  store: Store;
  oidcKey: SigningKey;
  sessionKey: SigningKey;
  /** Sign-in methods in use, in BROKER_AUTH_METHODS order. */
  authMethods: string[];
  counters: Record<Counter, number>;
  /** Unix seconds; replaceable so tests can move time. */
  now: () => number;
}

export function renderMetrics(counters: Record<Counter, number>): string {
  return COUNTERS.map((name) => `# TYPE ${name} counter\n${name} ${counters[name]}\n`).join('');
}
