// The /readyz checks of the broker's default build: one per sign-in method (`auth/wallet_sig`), the wallet
// provisioner (`wallet/client_keystore`) and the audit anchor (`audit/sqlite`), each probing its SQLite file.
// The `tier2/*` checks exist only with email-link sign-in or the EVM anchor, which this build does not have.
import { loadUpstream } from '../reference/upstream.ts';
import type { BrokerContext } from './context.ts';
import type { SideStore } from './store.ts';

export type CheckStatus = 'ready' | 'degraded' | 'unready';
export interface Check {
  name: string;
  status: CheckStatus;
  /** Set on a ready check. */
  detail?: string;
  /** Set on a check that is not ready. */
  reason?: string;
  docs: string;
}

const docsBase = loadUpstream().readyzDocs;

/** The link the broker puts in a check's `docs`: its runbook page, anchored at the name with `/` and `_` as `-`. */
export const docsFor = (name: string) => `${docsBase}#${name.replace(/[/_]/g, '-')}`;

function probe(
  ctx: BrokerContext,
  name: string,
  schema: SideStore | 'main',
  detail: string,
  reason: string,
): Check {
  return ctx.store.writable(schema)
    ? { name, status: 'ready', detail, docs: docsFor(name) }
    : { name, status: 'unready', reason, docs: docsFor(name) };
}

export function runChecks(ctx: BrokerContext): Check[] {
  const checks: Check[] = [];
  for (const method of ctx.authMethods) {
    // wallet_sig is the only method this build has compiled in.
    if (method === 'wallet_sig') {
      checks.push(
        probe(
          ctx,
          'auth/wallet_sig',
          'auth_nonces',
          'wallet_sig: nonce store writable',
          'auth_nonces table not writable',
        ),
      );
    }
  }
  checks.push(
    probe(
      ctx,
      'wallet/client_keystore',
      'wallets',
      'client-side keystore: wallets table writable',
      'wallets table not writable',
    ),
  );
  checks.push(
    probe(
      ctx,
      'audit/sqlite',
      'main',
      `sqlite: ${ctx.config.auditDbPath}`,
      `sqlite at ${ctx.config.auditDbPath} is not writable`,
    ),
  );
  return checks;
}

/** The /readyz body: ready names, the checks that are not ready, and the worst status (unready wins). */
export function readiness(checks: Check[]) {
  const failing = checks.filter((c) => c.status !== 'ready');
  const unready = failing.some((c) => c.status === 'unready');
  const status: CheckStatus = unready ? 'unready' : failing.length > 0 ? 'degraded' : 'ready';
  return {
    status,
    degraded: status === 'degraded',
    checks: failing.map(({ name, status, reason, docs }) => ({ name, status, reason, docs })),
    ready: checks.filter((c) => c.status === 'ready').map((c) => c.name),
  };
}
