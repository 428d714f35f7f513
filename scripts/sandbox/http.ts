// Shared HTTP pieces of the sandbox broker: the error body, JSON body parsing and the bearer check.
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';

export type ErrorKind =
  | 'unauthorized'
  | 'forbidden'
  | 'bad_request'
  | 'backend_unreachable'
  | 'sts_error'
  | 'audit_error'
  | 'internal'
  | 'not_found';

const STATUS: Record<ErrorKind, ContentfulStatusCode> = {
  unauthorized: 401,
  forbidden: 403,
  bad_request: 400,
  backend_unreachable: 502,
  sts_error: 502,
  audit_error: 500,
  internal: 500,
  not_found: 404,
};

/** A failure answered with the contract's `{error, message}` body. */
export class ApiError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly detail: string,
    /** Replaces the `<kind>:` prefix of the message, for `expired:` and `rate limited:`. */
    readonly lead: string = kind,
    readonly status: ContentfulStatusCode = STATUS[kind],
  ) {
    super(`${lead}: ${detail}`);
  }
}

export function errorResponse(c: Context, error: ApiError): Response {
  return c.json({ error: error.kind, message: error.message }, error.status);
}

export const badRequest = (detail: string) => new ApiError('bad_request', detail);
export const unauthorized = (detail: string) => new ApiError('unauthorized', detail);
export const expired = (detail: string) => new ApiError('unauthorized', detail, 'expired');
export const notFound = (detail: string) => new ApiError('not_found', detail);
export const tooLarge = (limit: number) =>
  new ApiError('bad_request', `request body is larger than ${limit} bytes`, 'bad_request', 413);

/** Reads a JSON body and checks it against `schema`; any problem is a 400 that names it. */
export async function readJson<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw badRequest(`send the body as JSON with Content-Type: application/json (got ${type || 'none'})`);
  }
  const text = await c.req.text();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badRequest('the body is not valid JSON');
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'body';
    throw badRequest(`${where}: ${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}

/** The token of an `Authorization: Bearer <token>` header; anything else is a 401. */
export function bearerToken(c: Context): string {
  const header = c.req.header('authorization');
  if (header === undefined) throw unauthorized('missing Authorization header; send Bearer <session JWT>');
  if (!header.startsWith('Bearer ')) throw unauthorized('Authorization header must start with "Bearer "');
  const token = header.slice('Bearer '.length);
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/.test(token)) {
    throw unauthorized('the bearer is not a compact JWT');
  }
  return token;
}

export const addressSchema = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, 'must be 0x followed by 40 hex digits')
  .transform((s) => s.toLowerCase() as `0x${string}`);
