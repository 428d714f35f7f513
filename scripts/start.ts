// `npm start`: serves the site on 127.0.0.1, prints its URL, then runs the Stage 7 runbook against the
// embedded sandbox so the pages can be read next to a live run; Ctrl-C (or SIGTERM) stops everything.
import { ArgsError, parseFlags } from './lib/args.ts';

const USAGE = `Usage: npm start -- [--port N] [--no-runbook] [--target sandbox|<broker URL>]
  --port        site port (default 5173, or the next free port; 0 = any free port)
  --no-runbook  only serve the site
  --target      where the Stage 7 runbook runs (default: the embedded sandbox)`;

function usage(message: string, withUsage = true): never {
  process.stderr.write(`start: ${message}\n${withUsage ? `${USAGE}\n` : ''}`);
  process.exit(2);
}

let port = 5173;
let withRunbook = true;
let target = 'sandbox';
try {
  const { values } = parseFlags(process.argv.slice(2), {
    port: { type: 'string' },
    'no-runbook': { type: 'boolean' },
    target: { type: 'string' },
  }) as { values: { port?: string; 'no-runbook'?: boolean; target?: string } };
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65_535)
      usage(`--port must be 0–65535, got "${values.port}"`);
  }
  withRunbook = !values['no-runbook'];
  if (values.target !== undefined) target = values.target;
} catch (error) {
  if (error instanceof ArgsError) usage(error.message, error.showUsage);
  throw error;
}

// Loaded once the command line is known to be good: VitePress and the runner take seconds to load.
const [{ serveSite }, { main: runbook }] = await Promise.all([
  import('./site/serve.ts'),
  import('../runbooks/lib/cli.ts'),
]);
const site = await serveSite({ port });
process.stdout.write(`AgentKeys docs: ${site.url}/\n`);

// While the runbook runs, its runner owns Ctrl-C (it stops the current step and the sandbox); after it,
// Ctrl-C stops the site and the exit code says how the runbook ended.
let runbookRunning = false;
let exitCode = 0;
let stopping = false;
const stop = async () => {
  if (runbookRunning || stopping) return;
  stopping = true;
  await site.close();
  process.exit(exitCode);
};
process.on('SIGINT', stop);
process.on('SIGTERM', () => (runbookRunning ? process.emit('SIGINT') : stop()));

if (withRunbook) {
  process.stdout.write(`\nRunning the Stage 7 runbook against ${target}…\n`);
  runbookRunning = true;
  // Our own flags were checked above; the runner must not read npm's settings as flags of its own.
  const { npm_lifecycle_event: _event, ...env } = process.env;
  exitCode = await runbook(['stage7', '--target', target], {
    env: { ...env, AGENTKEYS_DOCS_URL: process.env.AGENTKEYS_DOCS_URL ?? site.url },
  });
  runbookRunning = false;
  const verdict = exitCode === 0 ? 'passed' : `ended with exit code ${exitCode}`;
  process.stdout.write(`\nStage 7 runbook ${verdict}. The site stays up at ${site.url}/\n`);
  if (exitCode === 130) await stop();
}
process.stdout.write('Press Ctrl-C to stop.\n');
