// Where the sandbox leaves what the real broker would send out: the sign-in email with its link, and the
// Google consent a browser would come back from. One JSON file per request id, mode 0600 (each holds a
// single-use secret), under <BROKER_DATA_DIR>/sandbox-outbox/<kind>/.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type OutboxKind = 'email' | 'oauth2';

export const outboxFile = (dataDir: string, kind: OutboxKind, requestId: string) =>
  join(dataDir, 'sandbox-outbox', kind, `${requestId}.json`);

export function writeOutbox(dataDir: string, kind: OutboxKind, requestId: string, entry: object): void {
  mkdirSync(join(dataDir, 'sandbox-outbox', kind), { recursive: true, mode: 0o700 });
  writeFileSync(outboxFile(dataDir, kind, requestId), `${JSON.stringify(entry, null, 2)}\n`, { mode: 0o600 });
}

/** What a test reads back: the email sent for a request, or the consent for an OAuth2 start. */
export function readOutbox<T>(dataDir: string, kind: OutboxKind, requestId: string): T {
  return JSON.parse(readFileSync(outboxFile(dataDir, kind, requestId), 'utf8')) as T;
}

export interface SentEmail {
  request_id: string;
  to: string;
  from: string;
  landing_url: string;
  sent_at: number;
}

export interface GoogleConsent {
  request_id: string;
  authorization_url: string;
  /** Where the browser goes next: the redirect URI with this code and the state. */
  callback_url: string;
  code: string;
  state: string;
  sub: string;
  email: string;
}
