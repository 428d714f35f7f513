// Serves the site with the VitePress dev server on 127.0.0.1, at the preferred port or the next free one.

import type { AddressInfo } from 'node:net';
import { createServer as createNetServer } from 'node:net';
import { resolve } from 'node:path';
import { createServer } from 'vitepress';

export const repoRoot = resolve(import.meta.dirname, '../..');
export const host = '127.0.0.1';

export interface SiteServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const probe = createNetServer();
    probe.once('error', () => done(false));
    probe.listen(port, host, () => probe.close(() => done(true)));
  });
}

/** The preferred port if it is free, else the next free one above it; 0 stays 0 (any free port). */
export async function findFreePort(preferred: number, attempts = 50): Promise<number> {
  if (preferred === 0) return 0;
  for (let port = preferred; port < preferred + attempts && port <= 65_535; port += 1) {
    if (await portIsFree(port)) return port;
  }
  throw new Error(`no free port on ${host} between ${preferred} and ${preferred + attempts - 1}`);
}

/**
 * The dev server rather than a preview of a build: it is up in about a second, renders a page on first
 * request and reloads when a page or data file changes, which is what someone reading or editing wants.
 */
export async function serveSite(options: { root?: string; port?: number } = {}): Promise<SiteServer> {
  const port = await findFreePort(options.port ?? 5173);
  const server = await createServer(options.root ?? repoRoot, { host, port, strictPort: true });
  await server.listen();
  const address = server.httpServer?.address() as AddressInfo | null;
  if (!address) {
    await server.close();
    throw new Error('the site server did not start listening');
  }
  return { url: `http://${host}:${address.port}`, port: address.port, close: () => server.close() };
}
