// The /readyz checks: both key files still usable, the audit database writable, the issuer fit for AWS.
import { statSync } from 'node:fs';
import type { BrokerContext } from './context.ts';
import type { SigningKey } from './keys.ts';

export type CheckStatus = 'ready' | 'degraded' | 'unready';
export interface Check {
  name: 'oidc-keypair' | 'session-keypair' | 'audit-db' | 'issuer';
  status: CheckStatus;
  detail: string;
  docs: string;
}

const docs = (name: string) => `/operator-runbook-stage7#readyz-${name}`;

function keyCheck(name: 'oidc-keypair' | 'session-keypair', key: SigningKey): Check {
  try {
    const mode = statSync(key.path).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      return {
        name,
        status: 'degraded',
        detail: `key file mode is ${mode.toString(8)}, expected 600`,
        docs: docs(name),
      };
    }
    return { name, status: 'ready', detail: `kid ${key.kid} loaded`, docs: docs(name) };
  } catch {
    return {
      name,
      status: 'unready',
      detail: 'the key file is gone from its configured path',
      docs: docs(name),
    };
  }
}

function auditCheck(ctx: BrokerContext): Check {
  try {
    ctx.store.probe();
    return {
      name: 'audit-db',
      status: 'ready',
      detail: 'SQLite audit database accepts writes',
      docs: docs('audit-db'),
    };
  } catch {
    return {
      name: 'audit-db',
      status: 'unready',
      detail: 'SQLite audit database refuses writes',
      docs: docs('audit-db'),
    };
  }
}

function issuerCheck(ctx: BrokerContext): Check {
  if (ctx.config.issuer.startsWith('https://')) {
    return { name: 'issuer', status: 'ready', detail: `issuer ${ctx.config.issuer}`, docs: docs('issuer') };
  }
  return {
    name: 'issuer',
    status: 'degraded',
    detail: `issuer ${ctx.config.issuer} is plain http, allowed by BROKER_DEV_MODE but refused by AWS STS`,
    docs: docs('issuer'),
  };
}

export function runChecks(ctx: BrokerContext): Check[] {
  return [
    keyCheck('oidc-keypair', ctx.oidcKey),
    keyCheck('session-keypair', ctx.sessionKey),
    auditCheck(ctx),
    issuerCheck(ctx),
  ];
}

export function readiness(checks: Check[]) {
  const failing = checks.filter((c) => c.status !== 'ready');
  const status: CheckStatus = failing.some((c) => c.status === 'unready')
    ? 'unready'
    : failing.length > 0
      ? 'degraded'
      : 'ready';
  return {
    status,
    degraded: status === 'degraded',
    checks: failing,
    ready: checks.filter((c) => c.status === 'ready').map((c) => c.name),
  };
}
