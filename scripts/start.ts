// `npm start`: serves the site on 127.0.0.1 and prints its URL; Ctrl-C (or SIGTERM) stops it cleanly.
import { parseArgs } from 'node:util';
import { serveSite } from './site/serve.ts';

function usage(message: string): never {
  process.stderr.write(
    `start: ${message}\nUsage: npm start -- [--port N]   (default 5173, or the next free port)\n`,
  );
  process.exit(2);
}

let port = 5173;
try {
  const { values } = parseArgs({ options: { port: { type: 'string' } }, strict: true });
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65_535)
      usage(`--port must be 0–65535, got "${values.port}"`);
  }
} catch (error) {
  usage((error as Error).message);
}

const site = await serveSite({ port });
process.stdout.write(`AgentKeys docs: ${site.url}/\nPress Ctrl-C to stop.\n`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await site.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
