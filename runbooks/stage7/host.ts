// The broker host the bring-up steps (B1–B5) work on: a real host's own paths, or the same layout under the
// run's state folder on the sandbox, so one set of scripts writes /etc/agentkeys/broker.env on a host and
// .sandbox/host/etc/agentkeys/broker.env on a laptop. Also the small file helpers those steps share.
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RunContext } from '../lib/context.ts';
import type { Settings } from '../lib/env.ts';
import { StepError } from '../lib/step.ts';
import type { Target } from '../lib/target.ts';

export const SERVICE = 'agentkeys-broker.service';
export const SERVICE_USER = 'agentkeys';
/** The broker's own default port; the sandbox picks a free one instead, once per host folder. */
export const HOST_PORT = 8091;

export interface BrokerHost {
  /** `sandbox`: the layout under the state folder, the runner supervises; `host`: this machine, systemd does. */
  kind: 'sandbox' | 'host';
  /** `/` on a host; `<state folder>/host` on the sandbox. */
  root: string;
  /** Where the binary is installed. */
  bin: string;
  envFile: string;
  unitFile: string;
  proxyFile: string;
  dataDir: string;
  oidcKey: string;
  sessionKey: string;
  auditDb: string;
  /** Where the broker writes the session public key at every start (`--export-session-pubkey-to`). */
  sessionPubkey: string;
  bind: string;
  port: number;
}

/** The paths of a broker host laid out under `root` (`/` for the real thing). */
export function layout(kind: BrokerHost['kind'], root: string, port: number): BrokerHost {
  const at = (p: string) => path.join(root, p);
  const dataDir = at('var/lib/agentkeys');
  return {
    kind,
    root,
    bin: at('usr/local/bin/agentkeys-broker-server'),
    envFile: at('etc/agentkeys/broker.env'),
    unitFile: at(`etc/systemd/system/${SERVICE}`),
    proxyFile: at('etc/agentkeys/nginx-agentkeys-broker.conf'),
    dataDir,
    oidcKey: path.join(dataDir, 'keys/oidc-keypair.json'),
    sessionKey: path.join(dataDir, 'keys/session-keypair.json'),
    auditDb: path.join(dataDir, 'audit.sqlite'),
    sessionPubkey: path.join(dataDir, 'session-pubkey.pem'),
    bind: '127.0.0.1',
    port,
  };
}

/** Why a bring-up step does not run against this target, or undefined when it does. */
export function skipsOn(settings: Settings, target: Target): string | undefined {
  if (target.kind === 'sandbox') return undefined;
  if (settings.brokerBin) return undefined;
  return 'runs on the broker host: there, set AGENTKEYS_BROKER_BIN to the agentkeys-broker-server binary';
}

export const notHere = (ctx: RunContext) => skipsOn(ctx.settings, ctx.target);

/** The sandbox's host folder: `host/` in the run's state folder. */
export const sandboxRoot = (ctx: RunContext) =>
  path.join(ctx.target.sandboxDir ?? ctx.settings.sandboxDir, 'host');

/** A path as output shows it: relative to where the command runs when it lies below it. */
export function shown(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

export const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');

export function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StepError(`${shown(file)} cannot be read: ${(error as Error).message}`, {
      hint: 'run the bring-up as the user that owns the broker files (root on a host)',
    });
  }
}

/** Lines a file gains (+) and loses (-), in the new file's order; a plan shows them instead of the whole file. */
export function lineDiff(before: string | undefined, after: string): string[] {
  if (before === undefined) return after.trimEnd().split('\n');
  const old = new Set(before.split('\n'));
  const now = new Set(after.split('\n'));
  return [
    ...before
      .split('\n')
      .filter((l) => l !== '' && !now.has(l))
      .map((l) => `- ${l}`),
    ...after
      .split('\n')
      .filter((l) => l !== '' && !old.has(l))
      .map((l) => `+ ${l}`),
  ];
}

export interface Written {
  file: string;
  changed: boolean;
  /** The earlier file, kept when it was replaced. */
  backup?: string;
}

/**
 * Writes `content` to `file` with `mode` unless it already holds exactly that; an earlier, different file is
 * kept as `<file>.<unix seconds>.bak` first. The new file appears whole (written beside it, then renamed).
 */
export function writeOwned(file: string, content: string, mode: number): Written {
  const before = readIfExists(file);
  if (before === content) {
    chmodSync(file, mode);
    return { file, changed: false };
  }
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  let backup: string | undefined;
  if (before !== undefined) {
    backup = `${file}.${Math.floor(Date.now() / 1000)}.bak`;
    writeFileSync(backup, before, { mode: 0o600, flag: 'wx' });
  }
  const temp = `${file}.tmp-${process.pid}`;
  writeFileSync(temp, content, { mode });
  chmodSync(temp, mode);
  renameSync(temp, file);
  return { file, changed: true, backup };
}

/** Parses a systemd EnvironmentFile the way systemd reads ours: `NAME=value` lines, "…" quoting, # comments. */
export function parseEnvFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq < 1) continue;
    const name = line.slice(0, eq).trim();
    let value = line.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) {
      value = value.slice(1, -1).replace(/\\(["\\$`])/g, '$1');
    }
    values[name] = value;
  }
  return values;
}

/** A value as our env file writes it: bare when plain, double-quoted with escapes otherwise. */
export function envValue(value: string): string {
  if (/[\n\r\0]/.test(value)) {
    throw new StepError('a broker setting contains a line break, which an environment file cannot hold', {
      hint: 'remove the line break from the BROKER_* variable in your shell',
      exitCode: 2,
    });
  }
  return /^[\w@%+=:,./-]*$/.test(value) ? value : `"${value.replace(/(["\\$`])/g, '\\$1')}"`;
}

export const exists = existsSync;
