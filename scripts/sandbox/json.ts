// JSON answers that keep 64-bit integers exact: a bigint is written as a bare number, like serde_json.
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export function toJson(value: unknown): string {
  const marks: string[] = [];
  const text = JSON.stringify(value, (_key, v) => {
    if (typeof v !== 'bigint') return v;
    marks.push(v.toString());
    return `\u0000${marks.length - 1}\u0000`;
  });
  return text.replace(/"\\u0000(\d+)\\u0000"/g, (_m, i) => marks[Number(i)] as string);
}

/** Like `c.json`, for bodies that may hold bigints. */
export function json(
  c: Context,
  value: unknown,
  status: ContentfulStatusCode = 200,
  headers: Record<string, string> = {},
): Response {
  return c.body(toJson(value), status, { 'content-type': 'application/json', ...headers });
}
