// HTTP helpers: bounded retries for transient failures, none for timeouts, readable errors.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { expectJson, parseJson, request } from '../../../runbooks/lib/http.ts';
import { StepError } from '../../../runbooks/lib/step.ts';

let server: Server | undefined;

async function serve(handler: Parameters<typeof createServer>[1], port = 0): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server?.listen(port, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = undefined;
});

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

describe('request', () => {
  it('retries 503 and returns the first good answer', async () => {
    let calls = 0;
    const url = await serve((_req, res) => {
      calls += 1;
      res.writeHead(calls < 3 ? 503 : 200).end(calls < 3 ? 'starting' : '{"ok":true}');
    });
    const res = await request('GET', `${url}/x`, { attempts: 4 });
    expect(res.status).toBe(200);
    expect(calls).toBe(3);
  });

  it('gives up after the bounded attempts and returns the last 502', async () => {
    let calls = 0;
    const url = await serve((_req, res) => {
      calls += 1;
      res.writeHead(502).end('bad gateway');
    });
    expect((await request('GET', url, { attempts: 2 })).status).toBe(502);
    expect(calls).toBe(2);
  });

  it('retries a refused connection until the server comes up', async () => {
    const port = await freePort();
    const later = setTimeout(() => void serve((_req, res) => res.end('{}'), port), 150);
    const res = await request('GET', `http://127.0.0.1:${port}/`, { attempts: 6 });
    clearTimeout(later);
    expect(res.status).toBe(200);
  });

  it('names a refused connection once the attempts are spent', async () => {
    const port = await freePort();
    await expect(request('GET', `http://127.0.0.1:${port}/`, { attempts: 2 })).rejects.toThrow(
      /connection refused \(2 attempts\)/,
    );
  });

  it('does not retry a timeout and says how long it waited', async () => {
    let calls = 0;
    const url = await serve(() => {
      calls += 1;
    });
    const error = await request('GET', url, { timeoutMs: 200 }).catch((e) => e);
    expect(error).toBeInstanceOf(StepError);
    expect(error.message).toMatch(/did not answer within 0.2s/);
    expect(calls).toBe(1);
  });

  it('sends JSON bodies and the bearer header', async () => {
    const url = await serve((req, res) => {
      let body = '';
      req.on('data', (d) => {
        body += d;
      });
      req.on('end', () =>
        res.end(JSON.stringify({ auth: req.headers.authorization, type: req.headers['content-type'], body })),
      );
    });
    const res = await request('POST', url, { bearer: 'tok-123', body: { a: 1 } });
    expect(parseJson(res)).toEqual({ auth: 'Bearer tok-123', type: 'application/json', body: '{"a":1}' });
  });
});

describe('expectJson', () => {
  const res = (status: number, text: string) => ({
    method: 'GET',
    url: 'http://b/x',
    status,
    contentType: '',
    text,
  });

  it('quotes the broker error message on an unexpected status', () => {
    expect(() =>
      expectJson(res(401, '{"error":"unauthorized","message":"expired: session JWT"}'), 200),
    ).toThrow('GET http://b/x answered 401, expected 200: expired: session JWT');
  });

  it('names a body that is not JSON', () => {
    expect(() => expectJson(res(200, 'hello'), 200)).toThrow(/body that is not JSON: "hello"/);
  });
});
