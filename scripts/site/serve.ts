// Serves the site with the VitePress dev server on 127.0.0.1, at the preferred port or the next free one.

import type { AddressInfo } from 'node:net';
import { createServer as createNetServer } from 'node:net';
import { resolve } from 'node:path';
import { createServer } from 'vitepress';

export const repoRoot = resolve(import.meta.dirname, '../..');
export const host = '127.0.0.1';
const closeGraceMs = 3000;

export interface SiteServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Binds the port for a moment: the port it got (the kernel's pick for 0), or null when it is taken. */
function tryPort(port: number): Promise<number | null> {
  return new Promise((done) => {
    const probe = createNetServer();
    probe.once('error', () => done(null));
    probe.listen(port, host, () => {
      const { port: bound } = probe.address() as AddressInfo;
      probe.close(() => done(bound));
    });
  });
}

/** The preferred port if it is free, else the next free one above it; 0 means any free port. */
export async function findFreePort(preferred: number, attempts = 50): Promise<number> {
  for (let port = preferred; port < preferred + attempts && port <= 65_535; port += 1) {
    const bound = await tryPort(port);
    if (bound !== null) return bound;
    // Vite reads port 0 as "use the default", so an ephemeral port is chosen here instead.
    if (port === 0) break;
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
  // Vite's close waits for a dependency pre-bundling run that can stall when cancelled mid-way; the dev
  // server holds nothing that needs flushing, so closing is bounded.
  const close = async () => {
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, closeGraceMs);
    });
    await Promise.race([server.close(), grace]);
    clearTimeout(timer);
  };
  return { url: `http://${host}:${address.port}`, port: address.port, close };
}
