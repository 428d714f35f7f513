// The session JWT behind every bearer route, through one hono middleware. Registered on a route, it hands
// the handler a reader that takes the bearer and verifies it when the handler asks — at the point where the
// broker's own handler does, so where the broker parses the body first, a bad body still answers before a
// missing bearer. A handler that asks without the middleware registered fails loudly (500), and a test
// checks that every route the OpenAPI file protects carries it.
import type { Context, MiddlewareHandler } from 'hono';
import type { BrokerContext } from './context.ts';
import { bearer } from './http.ts';
import { type SessionClaims, verifySessionJwt } from './tokens.ts';

export interface SessionReader {
  /** The bearer token; throws the route's 401 when the header is missing or not `Bearer …`. */
  token(): string;
  /** The verified claims; throws the broker's 401 for a token it refuses. */
  claims(): SessionClaims;
}

export interface SessionOptions {
  /** The message of the route's 401 when there is no usable `Authorization: Bearer …` header. */
  missing: string;
  /** Reads the token itself, for routes whose header checks answer in their own words. */
  token?: (c: Context) => string;
}

const readers = new WeakMap<Request, SessionReader>();
const MARK = Symbol('sessionAuth');

/** True for a handler made by sessionAuth (what the route test looks for). */
export function isSessionAuth(handler: unknown): boolean {
  return typeof handler === 'function' && MARK in handler;
}

export function sessionAuth(ctx: BrokerContext, options: SessionOptions): MiddlewareHandler {
  const middleware: MiddlewareHandler = async (c, next) => {
    let token: string | undefined;
    let claims: SessionClaims | undefined;
    const readToken = () => {
      token ??= options.token ? options.token(c) : bearer(c, options.missing);
      return token;
    };
    readers.set(c.req.raw, {
      token: readToken,
      claims: () => {
        claims ??= verifySessionJwt(ctx.sessionKey, ctx.config.issuer, readToken(), ctx.now());
        return claims;
      },
    });
    await next();
  };
  return Object.assign(middleware, { [MARK]: true });
}

/** The session reader of this request; only routes registered with sessionAuth have one. */
export function session(c: Context): SessionReader {
  const reader = readers.get(c.req.raw);
  if (!reader) throw new Error(`${c.req.method} ${c.req.path} reads a session without sessionAuth`);
  return reader;
}
