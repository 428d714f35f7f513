// vitest globalSetup: one site build per test run. The main process serves it on loopback and builds it on the
// first request, so a run without site tests builds nothing and test files in several workers share one build
// without any lock; `sharedBuild()` (helpers/site-build.ts) finds the service through inject('siteBuild').
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { type BuildAnswer, buildSite, copyProject } from './helpers/site-build.ts';

async function buildOnce(outDir: string): Promise<BuildAnswer> {
  // Built from a snapshot, so edits made while the build runs cannot mix two states of the pages.
  const snapshot = copyProject();
  try {
    const result = await buildSite(snapshot.root, outDir);
    return result.ok
      ? { ok: true, dist: outDir, output: result.output, durationMs: result.durationMs }
      : { ok: false, output: result.output };
  } catch (error) {
    return { ok: false, output: (error as Error).message };
  } finally {
    snapshot.remove();
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const work = mkdtempSync(join(tmpdir(), 'agentkeys-site-build-'));
  let build: Promise<BuildAnswer> | undefined;
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/build') {
      res.writeHead(404).end();
      return;
    }
    build ??= buildOnce(join(work, 'dist'));
    void build.then((answer) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  project.provide('siteBuild', `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  return async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    await build;
    rmSync(work, { recursive: true, force: true });
  };
}
