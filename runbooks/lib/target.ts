// Resolves what a run talks to: the sandbox (reused when up, started otherwise) or a broker URL.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Settings } from './env.ts';
import { request } from './http.ts';
import { StepError } from './step.ts';

export interface Target {
  kind: 'sandbox' | 'broker';
  /** `sandbox` or the broker URL, as the resume command needs it. */
  label: string;
  brokerUrl: string;
  /** Emulator for STS, IAM and S3; undefined means real AWS (or none on a sandbox without moto). */
  awsEndpoint?: string;
  /** False on a sandbox started without moto: the AWS steps are skipped. */
  awsAvailable: boolean;
  /** Why there is no AWS emulator (moto missing, or turned off with --no-moto), when awsAvailable is false. */
  awsUnavailableReason?: string;
  region: string;
  /** The issuer the sandbox was configured with (the operator's expectation on a real broker). */
  expectedIssuer?: string;
  sandboxDir?: string;
  /** Whether this run started the sandbox; `release()` stops it then. */
  started: boolean;
  release(): Promise<void>;
}

interface SandboxState {
  brokerUrl: string;
  motoUrl: string | null;
  motoHint?: string | null;
  issuer: string;
  region: string;
}

async function readState(dir: string): Promise<SandboxState | undefined> {
  try {
    return JSON.parse(await readFile(path.join(dir, 'state.json'), 'utf8')) as SandboxState;
  } catch {
    return undefined;
  }
}

async function healthy(brokerUrl: string): Promise<boolean> {
  try {
    const res = await request('GET', `${brokerUrl}/healthz`, { timeoutMs: 2000, attempts: 1 });
    return res.status === 200;
  } catch {
    return false;
  }
}

const noop = async () => {};

function sandboxTarget(
  state: SandboxState,
  dir: string,
  started: boolean,
  release: () => Promise<void>,
): Target {
  return {
    kind: 'sandbox',
    label: 'sandbox',
    brokerUrl: state.brokerUrl.replace(/\/+$/, ''),
    awsEndpoint: state.motoUrl ?? undefined,
    awsAvailable: Boolean(state.motoUrl),
    awsUnavailableReason: state.motoUrl ? undefined : (state.motoHint ?? 'the sandbox runs without moto'),
    region: state.region,
    expectedIssuer: state.issuer,
    sandboxDir: dir,
    started,
    release,
  };
}

export async function resolveTarget(flag: string | undefined, settings: Settings): Promise<Target> {
  const wanted = flag ?? settings.brokerUrl ?? 'sandbox';
  const dir = settings.sandboxDir;
  const state = await readState(dir);
  if (wanted !== 'sandbox') {
    if (!/^https?:\/\/[^/]+/.test(wanted)) {
      throw new StepError(
        `--target must be "sandbox" or a broker URL (http:// or https://), got "${wanted}"`,
        { exitCode: 2 },
      );
    }
    // Never echoed back: the password would land in the header, the Resume line and reports.
    if (/^https?:\/\/[^/?#]*@/.test(wanted)) {
      throw new StepError(
        'the broker URL carries user:password@, which fetch refuses and the broker does not use',
        {
          hint: 'remove the credentials from --target / AGENTKEYS_BROKER_URL; sign-in uses the wallet key or a session JWT',
          exitCode: 2,
        },
      );
    }
    // The URL `npm run sandbox` tells you to export is still the sandbox, with its http issuer and moto.
    const same = state && state.brokerUrl.replace(/\/+$/, '') === wanted.replace(/\/+$/, '');
    if (same && (await healthy(state.brokerUrl))) return sandboxTarget(state, dir, false, noop);
    return {
      kind: 'broker',
      label: wanted.replace(/\/+$/, ''),
      brokerUrl: wanted.replace(/\/+$/, ''),
      awsEndpoint: settings.awsEndpoint,
      awsAvailable: true,
      region: settings.region,
      expectedIssuer: settings.expectedIssuer,
      started: false,
      release: noop,
    };
  }

  if (state && (await healthy(state.brokerUrl))) return sandboxTarget(state, dir, false, noop);

  let startSandbox: typeof import('../../scripts/sandbox/start.ts').startSandbox;
  try {
    // The build starts faster than the sources through tsx; it is used only while no source changed since.
    const { builtSandbox, sandboxIsBuilt } = await import('../../bin/built.mjs');
    ({ startSandbox } = sandboxIsBuilt()
      ? ((await import(builtSandbox('start'))) as typeof import('../../scripts/sandbox/start.ts'))
      : await import('../../scripts/sandbox/start.ts'));
  } catch (error) {
    throw new StepError(`the sandbox could not be loaded: ${(error as Error).message}`, {
      hint: 'run `npm ci`, or give --target <broker URL>',
      exitCode: 2,
    });
  }
  try {
    const sandbox = await startSandbox({ dir, brokerPort: 0, motoPort: 0 });
    return sandboxTarget(
      {
        brokerUrl: sandbox.brokerUrl,
        motoUrl: sandbox.motoUrl,
        motoHint: sandbox.motoHint,
        issuer: sandbox.issuer,
        region: sandbox.region,
      },
      sandbox.dir,
      true,
      () => sandbox.stop(),
    );
  } catch (error) {
    throw new StepError(`the sandbox did not start: ${(error as Error).message}`, {
      hint: 'run `npm run sandbox` to see why, or give --target <broker URL>',
      exitCode: 2,
    });
  }
}
