// POST /v1/cap/cred-store, /cred-fetch, /memory-put, /memory-get: the capability-token routes. Their input
// and session-JWT checks run as in the broker, with its `{error, reason}` body. The on-chain checks that
// follow need a chain RPC, which the sandbox never has, so an accepted request ends where the broker's
// does without one: 502 chain_rpc_error.
import type { Context, Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { BrokerContext } from '../context.ts';
import { authorization, BrokerError, type Failure, readJson } from '../http.ts';
import { str, struct, u64 } from '../serde.ts';
import { session, sessionAuth } from '../session.ts';

export const CAP_ROUTES = [
  '/v1/cap/cred-store',
  '/v1/cap/cred-fetch',
  '/v1/cap/memory-put',
  '/v1/cap/memory-get',
];

const capShape = struct('CapRequest', [
  { name: 'operator_omni', shape: str },
  { name: 'actor_omni', shape: str },
  { name: 'service', shape: str },
  { name: 'device_key_hash', shape: str },
  { name: 'ttl_seconds', shape: u64, default: 300n },
]);

interface CapRequest {
  operator_omni: string;
  actor_omni: string;
  service: string;
  device_key_hash: string;
}

/** The cap routes' own failure body: the message in `error`, a machine code in `reason`. */
export class CapError extends Error implements Failure {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
  respond(c: Context): Response {
    return c.json({ error: this.message, reason: this.reason }, this.status);
  }
}

const invalid = (message: string) => new CapError(400, 'invalid_input', message);

function checkHex32(value: string, field: string): void {
  if (!value.startsWith('0x')) throw invalid(`${field} must start with 0x`);
  const length = Buffer.byteLength(value);
  if (length !== 66) throw invalid(`${field} must be 66 chars (0x + 64 hex), got ${length}`);
  if (!/^[0-9a-fA-F]{64}$/.test(value.slice(2))) throw invalid(`${field} contains non-hex chars`);
}

function capBearer(c: Context): string {
  const header = authorization(c);
  if (!header.present) throw new CapError(401, 'unauthorized', 'missing Authorization header');
  if (header.text === undefined) throw new CapError(401, 'unauthorized', 'Authorization not UTF-8');
  const token = header.text.match(/^Bearer (.*)$/s)?.[1];
  if (token === undefined) throw new CapError(401, 'unauthorized', "Authorization must be 'Bearer <jwt>'");
  return token;
}

export function capRoutes(app: Hono, ctx: BrokerContext): void {
  const handler = async (c: Context) => {
    const req = await readJson<CapRequest>(c, capShape, ctx.config.requestBodyLimitBytes);
    checkHex32(req.operator_omni, 'operator_omni');
    checkHex32(req.actor_omni, 'actor_omni');
    checkHex32(req.device_key_hash, 'device_key_hash');
    const serviceLength = Buffer.byteLength(req.service);
    if (serviceLength === 0 || serviceLength > 64) throw invalid('service must be 1..=64 chars');
    let sessionOmni: string;
    try {
      sessionOmni = session(c).claims().agentkeys.omni_account;
    } catch (error) {
      if (error instanceof BrokerError)
        throw new CapError(401, 'unauthorized', `session jwt verify: ${error.message}`);
      throw error;
    }
    const stripped = sessionOmni.replace(/^0x/, '');
    if (stripped.length !== 64)
      throw invalid(`session omni invalid: expected 64-hex, got ${stripped.length}`);
    if (stripped.toLowerCase() !== req.operator_omni.slice(2).toLowerCase()) {
      throw new CapError(403, 'operator_mismatch', 'session JWT operator differs from request');
    }
    // No chain profile or RPC URL reaches the sandbox, so the broker's default profile (heima) applies.
    throw new CapError(
      502,
      'chain_rpc_error',
      'RPC URL not set (AGENTKEYS_CHAIN_RPC_HTTP or CHAIN_RPC_HTTP_HEIMA or HEIMA_RPC_HTTP)',
    );
  };
  // The header checks answer in the cap routes' own words; the token is verified as on every bearer route.
  const auth = sessionAuth(ctx, { missing: 'missing Authorization header', token: capBearer });
  for (const path of CAP_ROUTES) app.post(path, auth, handler);
}
