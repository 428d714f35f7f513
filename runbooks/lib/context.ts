// What a step receives: the target, settings, AWS clients, broker HTTP calls and an in-memory value store.
import { type AwsClients, createAwsClients } from './aws.ts';
import { docLink, type Settings } from './env.ts';
import { type HttpOptions, type HttpResponse, request } from './http.ts';
import { redact, registerSecret } from './redact.ts';
import { type StepDefinition, StepError } from './step.ts';
import type { Target } from './target.ts';

/** Values steps hand to each other; kept in memory only, never written to disk. */
export class ValueStore {
  readonly #values = new Map<string, unknown>();

  constructor(private readonly secretKeys: ReadonlySet<string>) {}

  has(key: string): boolean {
    return this.#values.has(key);
  }

  get<T>(key: string): T {
    if (!this.#values.has(key)) {
      throw new StepError(`no value for "${key}": the step that produces it did not run`, {
        hint: 'run the whole runbook, or this step through the runner so its producers run first',
      });
    }
    return this.#values.get(key) as T;
  }

  set(key: string, value: unknown): void {
    if (this.secretKeys.has(key)) registerDeep(value);
    this.#values.set(key, value);
  }
}

// Fields of a secret value that identify rather than authenticate, so output may show them.
const PUBLIC_FIELDS = new Set(['accessKeyId', 'expiration']);

function registerDeep(value: unknown): void {
  if (typeof value === 'string') registerSecret(value);
  else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) if (!PUBLIC_FIELDS.has(key)) registerDeep(v);
  }
}

export interface RunContext {
  runbook: string;
  page: string;
  target: Target;
  settings: Settings;
  values: ValueStore;
  dryRun: boolean;
  yes: boolean;
  /** The steps this run executes, in order. */
  plan: readonly StepDefinition[];
  /** Aborted on step timeout or Ctrl-C; pass it to every call that can wait. */
  signal: AbortSignal;
  /** AWS clients, or undefined when the target has no AWS (a sandbox without moto). */
  aws?: AwsClients;
  /** Prints one line of step output (redacted). */
  log(line: string): void;
  /** Registers a secret as soon as it is known. */
  secret(value: string | undefined): void;
  /** Link to an anchor of this runbook's page. */
  docs(anchor: string): string;
  /** Calls the broker: `path` is relative to the target's URL. */
  broker(method: string, path: string, opts?: HttpOptions): Promise<HttpResponse>;
  /** Points the rest of the run at a broker a step brought up (the sandbox bring-up's own broker). */
  useBroker(url: string, issuer: string): void;
  /** Registers work to do when the run ends, whatever its outcome (stopping a broker a step started). */
  atEnd(task: () => Promise<void>): void;
  /** Runs the `atEnd` tasks, last registered first; the runner calls it once. */
  finish(): Promise<void>;
}

export interface ContextInit {
  runbook: string;
  page: string;
  target: Target;
  settings: Settings;
  secretKeys: ReadonlySet<string>;
  plan: readonly StepDefinition[];
  dryRun: boolean;
  yes: boolean;
  print: (line: string) => void;
}

/** A run-wide context; the engine gives each step its own `signal`, `log` and `broker`. */
export function createContext(init: ContextInit): RunContext {
  const aws = init.target.awsAvailable
    ? createAwsClients({ region: init.target.region, endpoint: init.target.awsEndpoint })
    : undefined;
  const endTasks: Array<() => Promise<void>> = [];
  const ctx: RunContext = {
    runbook: init.runbook,
    page: init.page,
    target: init.target,
    settings: init.settings,
    values: new ValueStore(init.secretKeys),
    plan: init.plan,
    dryRun: init.dryRun,
    yes: init.yes,
    signal: new AbortController().signal,
    aws,
    log: (line) => init.print(redact(line)),
    secret: registerSecret,
    docs: (anchor) => docLink(init.settings, init.page, anchor),
    broker: (method, path, opts = {}) =>
      request(method, `${init.target.brokerUrl}${path}`, { ...opts, signal: opts.signal ?? ctx.signal }),
    useBroker(url, issuer) {
      init.target.brokerUrl = url.replace(/\/+$/, '');
      init.target.expectedIssuer = issuer;
    },
    atEnd: (task) => {
      endTasks.push(task);
    },
    async finish() {
      for (const task of endTasks.splice(0).reverse()) await task().catch(() => undefined);
    },
  };
  return ctx;
}
