// The broker's failure answers: the `{error, message}` body of its error type, the plain-text rejections
// of axum's Json and Query extractors, and the bearer header the way each handler reads it.
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { decode, type SerdeError, type StructShape } from './serde.ts';

export type ErrorKind =
  | 'unauthorized'
  | 'forbidden'
  | 'bad_request'
  | 'backend_unreachable'
  | 'sts_error'
  | 'audit_error'
  | 'internal';

// Status and the display text the message starts with, per kind (src/error.rs).
const KINDS: Record<ErrorKind, { status: ContentfulStatusCode; display: string }> = {
  unauthorized: { status: 401, display: 'unauthorized' },
  forbidden: { status: 403, display: 'forbidden' },
  bad_request: { status: 400, display: 'bad request' },
  backend_unreachable: { status: 502, display: 'backend unreachable' },
  sts_error: { status: 502, display: 'sts error' },
  audit_error: { status: 500, display: 'audit error' },
  internal: { status: 500, display: 'internal' },
};

/** Anything a handler throws that has its own answer. */
export interface Failure {
  respond(c: Context): Response;
}

export const isFailure = (value: unknown): value is Failure =>
  typeof (value as Failure | null)?.respond === 'function';

/** The broker's error type: `{"error": kind, "message": "<display text>: <detail>"}`. */
export class BrokerError extends Error implements Failure {
  constructor(
    readonly kind: ErrorKind,
    readonly detail: string,
  ) {
    super(`${KINDS[kind].display}: ${detail}`);
  }
  get status(): ContentfulStatusCode {
    return KINDS[this.kind].status;
  }
  respond(c: Context): Response {
    return c.json({ error: this.kind, message: this.message }, this.status);
  }
}

export const badRequest = (detail: string) => new BrokerError('bad_request', detail);
export const unauthorized = (detail: string) => new BrokerError('unauthorized', detail);
export const internal = (detail: string) => new BrokerError('internal', detail);

/** The sign-in plug-ins' error classes, and how the auth handlers turn each into a BrokerError. */
export type AuthErrorKind =
  | 'invalid_request'
  | 'unauthorized'
  | 'expired'
  | 'rate_limited'
  | 'upstream'
  | 'internal';

// The plug-in error's own display text, used where the broker stores it (a failed sign-in's reason).
const AUTH_DISPLAY: Record<AuthErrorKind, string> = {
  invalid_request: 'invalid request',
  unauthorized: 'unauthorized',
  expired: 'expired',
  rate_limited: 'rate limited',
  upstream: 'upstream error',
  internal: 'internal',
};

export class AuthError extends Error {
  constructor(
    readonly kind: AuthErrorKind,
    readonly detail: string,
  ) {
    super(`${AUTH_DISPLAY[kind]}: ${detail}`);
  }

  toBroker(): BrokerError {
    switch (this.kind) {
      case 'invalid_request':
        return badRequest(this.detail);
      case 'unauthorized':
        return unauthorized(this.detail);
      case 'expired':
        return unauthorized(`expired: ${this.detail}`);
      case 'rate_limited':
        return badRequest(`rate limited: ${this.detail}`);
      case 'upstream':
        return new BrokerError('backend_unreachable', `upstream: ${this.detail}`);
      case 'internal':
        return internal(this.detail);
    }
  }
}

/** A response axum writes itself before any handler runs: a status and a plain-text body. */
export class Rejection extends Error implements Failure {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly text: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(text);
  }
  respond(c: Context): Response {
    return c.body(this.text, this.status, { 'content-type': 'text/plain; charset=utf-8', ...this.headers });
  }
}

// application/json or any `+json` type, parameters allowed; what axum's Json accepts.
const JSON_TYPE = /^application\/(?:[!#$&^_.+\w-]+\+)?json(?:\s*;.*)?$/i;

async function readLimited(c: Context, limit: number): Promise<Uint8Array> {
  const body = c.req.raw.body;
  if (!body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw new Rejection(413, 'Failed to buffer the request body: length limit exceeded');
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/**
 * axum's `Json<T>` extractor: 415 without a JSON content type, 413 past the body limit, 400 for bad
 * JSON syntax, 422 when the JSON does not fit the handler's struct.
 */
export async function readJson<T>(c: Context, shape: StructShape, limit: number): Promise<T> {
  const type = (c.req.header('content-type') ?? '').trim();
  if (!JSON_TYPE.test(type)) {
    throw new Rejection(415, 'Expected request with `Content-Type: application/json`');
  }
  const bytes = await readLimited(c, limit);
  try {
    return decode<T>(bytes, shape);
  } catch (error) {
    const e = error as SerdeError;
    if (e.category === 'data') {
      throw new Rejection(422, `Failed to deserialize the JSON body into the target type: ${e.withPath()}`);
    }
    throw new Rejection(400, `Failed to parse the request body as JSON: ${e.withPath()}`);
  }
}

/** axum's `Query<T>` for a struct of optional strings: a repeated known key is refused. */
export function readQuery(c: Context, fields: readonly string[]): Record<string, string | undefined> {
  const params = new URL(c.req.url).searchParams;
  const out: Record<string, string | undefined> = {};
  for (const name of fields) {
    const values = params.getAll(name);
    if (values.length > 1) {
      throw new Rejection(400, `Failed to deserialize query string: duplicate field \`${name}\``);
    }
    out[name] = values[0];
  }
  return out;
}

/** The Authorization header as text, or undefined when absent or not visible ASCII (hyper's to_str). */
export function authorization(c: Context): { present: boolean; text: string | undefined } {
  const raw = c.req.header('authorization');
  if (raw === undefined) return { present: false, text: undefined };
  return { present: true, text: /^[\t\x20-\x7e]*$/.test(raw) ? raw : undefined };
}

/** The token after `Bearer ` (exactly that prefix), or a 401 with the handler's own message. */
export function bearer(c: Context, missing: string): string {
  const token = authorization(c).text?.match(/^Bearer (.*)$/s)?.[1];
  if (token === undefined) throw unauthorized(missing);
  return token;
}
