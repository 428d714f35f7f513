// The per-route contract tables: each row sends one request to a fresh sandbox whose clock is fixed at T0
// and states the status and body the broker's handler gives for it. Expected values are written from
// reading the handler at c9e1694, never copied from a sandbox answer. Every answer is also checked
// against the OpenAPI file by the helper it goes through.
import type { PrivateKeyAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { type GoogleConsent, readOutbox, type SentEmail } from '../../../scripts/sandbox/outbox.ts';
import { bearer, build, type TestBroker } from '../helpers.ts';

/** The clock every table starts at: 2027-01-15T08:00:00Z, a whole hour, so rate-limit windows start here. */
export const T0 = 1_800_000_000;

export interface Me {
  session_jwt: string;
  omni_account: string;
  account: PrivateKeyAccount;
  /** The wallet, lowercase, as the broker writes it. */
  address: string;
}

export interface Scene {
  t: TestBroker;
  /** A wallet master signed in before the row runs (unless the row disables wallet sign-in). */
  me: Me;
  /** Authorization header of `me`. */
  auth: Record<string, string>;
  /** Values a row's setup leaves for its request and expectations. */
  v: Record<string, string>;
}

export interface Request {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  json?: unknown;
  body?: string;
}

export interface Row {
  name: string;
  env?: Record<string, string>;
  /** Enable email-link and Google sign-in (with the settings they need). */
  signIn?: boolean;
  /** No wallet session is made (for rows that turn wallet_sig off). */
  anonymous?: boolean;
  setup?: (s: Scene) => Promise<void> | void;
  send: (s: Scene) => Request | Promise<Request>;
  status: number;
  /**
   * The whole body: an object for JSON, text otherwise. Matchers (expect.stringMatching…) allowed; `got` is
   * the answer, for random parts (a nonce) that other expected fields are built from.
   */
  // biome-ignore lint/suspicious/noExplicitAny: the answer was already checked against the OpenAPI schema
  body?: (s: Scene, got: any) => unknown;
  headers?: Record<string, string>;
  /** Further checks on the state the request left. */
  check?: (s: Scene, body: unknown) => Promise<void> | void;
}

export const signedIn = (t: TestBroker) =>
  t.signIn().then((r) => ({ ...r, address: r.account.address.toLowerCase() }) as Me);

/** One describe per route, one test per row. */
export function table(route: string, rows: Row[]): void {
  const [method, path] = route.split(' ') as [string, string];
  describe(route, () => {
    it.each(rows.map((r) => [r.name, r] as const))('%s', async (_name, row) => {
      const t = build(row.env ?? {}, { signIn: row.signIn, at: T0 });
      const me = row.anonymous ? ({} as Me) : await signedIn(t);
      const s: Scene = { t, me, auth: row.anonymous ? {} : bearer(me.session_jwt), v: {} };
      await row.setup?.(s);
      const req = await row.send(s);
      const res = await t.call(req.method ?? method, req.path ?? path, {
        headers: req.headers,
        json: req.json,
        body: req.body,
      });
      expect({ status: res.status, body: res.body }).toEqual({
        status: row.status,
        body: row.body ? row.body(s, res.body) : res.body,
      });
      for (const [name, value] of Object.entries(row.headers ?? {})) {
        expect(res.headers.get(name), name).toBe(value);
      }
      await row.check?.(s, res.body);
    });
  });
}

/** Asks for a sign-in email and returns its request id and the token the link carries. */
export async function emailLink(s: Scene, email = 'alice@example.org') {
  const res = await s.t.call('POST', '/v1/auth/email/request', { json: { email } });
  if (res.status !== 200) throw new Error(`email request failed: ${JSON.stringify(res.body)}`);
  const sent = readOutbox<SentEmail>(s.t.context.config.signIn.dataDir, 'email', res.body.request_id);
  const token = sent.landing_url.split('#t=')[1] as string;
  return { request_id: res.body.request_id as string, token, sent };
}

/** Starts a Google sign-in and returns what the sandbox's stand-in for Google filed for it. */
export async function googleConsent(s: Scene, json: unknown = {}) {
  const res = await s.t.call('POST', '/v1/auth/oauth2/start', { json });
  if (res.status !== 200) throw new Error(`oauth2 start failed: ${JSON.stringify(res.body)}`);
  return readOutbox<GoogleConsent>(s.t.context.config.signIn.dataDir, 'oauth2', res.body.request_id);
}

/** Path and query of a URL, as the in-process app takes it. */
export const local = (url: string) => {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
};
