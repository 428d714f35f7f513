// HTTP helpers: per-request timeout, bounded retry with backoff for transient failures, readable errors.
import { expBackoff, retry } from 'zx';
import { StepError } from './step.ts';

export interface HttpOptions {
  body?: unknown;
  bearer?: string;
  /** Per-request timeout; the contract's client uses 15 s. */
  timeoutMs?: number;
  /** Attempts for transient failures (connection refused, 502, 503). */
  attempts?: number;
  signal?: AbortSignal;
}

export interface HttpResponse {
  method: string;
  url: string;
  status: number;
  contentType: string;
  text: string;
}

export const DEFAULT_TIMEOUT_MS = 15_000;
const TRANSIENT_STATUS = new Set([502, 503]);
const TRANSIENT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'EAI_AGAIN']);

function networkCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: string } })?.cause;
  return cause?.code ?? (error as { code?: string })?.code;
}

class Transient extends Error {}

/** One HTTP call; retries connection failures and 502/503 a few times, never a timeout. */
export async function request(method: string, url: string, opts: HttpOptions = {}): Promise<HttpResponse> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const attempts = opts.attempts ?? 4;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (opts.bearer) headers.authorization = `Bearer ${opts.bearer}`;
  const label = `${method} ${url}`;
  let last: HttpResponse | undefined;

  const once = async (): Promise<HttpResponse> => {
    last = undefined;
    const signals = [AbortSignal.timeout(timeoutMs), ...(opts.signal ? [opts.signal] : [])];
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal: AbortSignal.any(signals),
        redirect: 'manual',
      });
    } catch (error) {
      if (opts.signal?.aborted) throw opts.signal.reason ?? error;
      const name = (error as Error)?.name;
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw new StepError(`${label} did not answer within ${timeoutMs / 1000}s`, {
          hint: 'the broker is overloaded, stuck, or a proxy in front of it holds the request',
        });
      }
      const code = networkCode(error);
      if (code && TRANSIENT_CODES.has(code)) throw new Transient(code);
      throw new StepError(
        `${label} failed: ${code ?? (error as { cause?: Error })?.cause?.message ?? (error as Error)?.message ?? 'network error'}`,
        {
          hint: 'the URL is wrong or the host is not reachable from here (DNS, TLS or firewall)',
        },
      );
    }
    const text = await res.text();
    last = { method, url, status: res.status, contentType: res.headers.get('content-type') ?? '', text };
    if (TRANSIENT_STATUS.has(res.status)) throw new Transient(String(res.status));
    return last;
  };

  try {
    // Non-transient errors end the retry loop at once by travelling as a value.
    const outcome = await retry(attempts, expBackoff('2s', '100ms'), async () => {
      try {
        return { ok: await once() };
      } catch (error) {
        if (error instanceof Transient) throw error;
        return { error };
      }
    });
    if ('error' in outcome) throw outcome.error;
    return outcome.ok;
  } catch (error) {
    if (!(error instanceof Transient)) throw error;
    if (last) return last;
    throw new StepError(`${label} failed: connection refused (${attempts} attempts)`, {
      hint: 'the broker is not running or not listening at this URL',
    });
  }
}

/** The broker's error message, if the body is its `{error, message}` shape. */
export function brokerMessage(res: HttpResponse): string {
  try {
    const body = JSON.parse(res.text) as { message?: unknown };
    if (typeof body.message === 'string') return body.message;
  } catch {
    // Not JSON: fall through to the raw text.
  }
  return res.text.slice(0, 120).replace(/\s+/g, ' ').trim();
}

/** Parses a JSON body, failing with a readable message when it is not JSON. */
export function parseJson<T = Record<string, unknown>>(res: HttpResponse): T {
  try {
    const value = JSON.parse(res.text) as unknown;
    if (value === null || typeof value !== 'object') throw new Error('not an object');
    return value as T;
  } catch {
    const preview = res.text.slice(0, 60).replace(/\s+/g, ' ');
    throw new StepError(
      `${res.method} ${res.url} answered ${res.status} with a body that is not JSON: "${preview}"`,
      {
        hint: 'something other than the broker answers at this URL (a proxy, a default page) or the broker is misbuilt',
      },
    );
  }
}

/** Requires one status and returns the parsed JSON body. */
export function expectJson<T = Record<string, unknown>>(res: HttpResponse, status: number, hint?: string): T {
  if (res.status !== status) {
    throw new StepError(
      `${res.method} ${res.url} answered ${res.status}, expected ${status}: ${brokerMessage(res)}`,
      {
        hint: hint ?? (res.status >= 500 ? 'the broker failed; read its log for this request' : undefined),
      },
    );
  }
  return parseJson<T>(res);
}
