// A runbook that does everything a step should not: it learns a secret (LEAKY_CANARY) and then prints it
// every way a step script can — through ctx.log and straight to the process's streams, repeated, split
// across writes, encoded, from a zx child process, in a stack trace, in a report field and in its error.
// Run by redaction.test.ts as `tsx test/runbooks/leaky-runbook.ts [--report FILE]`.
import { setTimeout as tick } from 'node:timers/promises';
import { $ } from 'zx';
import { exitWith, installCrashHandlers } from '../../runbooks/lib/cli.ts';
import { run } from '../../runbooks/lib/engine.ts';
import { defineRunbook, defineStep, passed } from '../../runbooks/lib/step.ts';

const b64 = (text: string) => Buffer.from(text).toString('base64');
const b64url = (text: string) => Buffer.from(text).toString('base64url');

const learn = defineStep({
  id: '01',
  slug: 'learn',
  title: 'Learn a secret',
  doc: 'learn',
  needs: [],
  produces: ['token'],
  secrets: ['token'],
  mutates: false,
  run: async (ctx) => {
    ctx.values.set('token', process.env.LEAKY_CANARY);
    ctx.log('learned the token');
    return undefined;
  },
});

const leak = defineStep({
  id: '02',
  slug: 'leak',
  title: 'Leak it every way',
  doc: 'leak',
  needs: ['token'],
  produces: [],
  mutates: false,
  run: async (ctx) => {
    const s = ctx.values.get<string>('token');
    ctx.log(`twice: ${s} and ${s}`);
    ctx.log(`log base64: ${b64(s)}`);
    process.stdout.write(`split: ${s.slice(0, 7)}`);
    await tick(20);
    process.stdout.write(`${s.slice(7)} end\n`);
    process.stdout.write(`bytes: ${s.slice(0, 3)}`);
    process.stdout.write(Buffer.from(`${s.slice(3)}\n`));
    console.log(`stdout twice: ${s}${s}`);
    console.error(`json: ${JSON.stringify({ token: s })}`);
    console.error(`base64: ${b64(s)}`);
    console.error(`base64url: ${b64url(s)}`);
    // Basic auth puts bytes before the secret, so its base64 starts mid-group.
    console.error(`basic: ${b64(`u:${s}`)} ${b64(`us:${s}`)}`);
    console.error(`url: https://example.test/cb?token=${encodeURIComponent(s)}&x=1`);
    console.error(new Error(`stack: ${s}`).stack);
    // The secret reaches the child through its environment, never its arguments.
    await $({
      env: { ...process.env, LEAK: s },
      verbose: true,
    })`sh -c ${'printf "child out: %s\\n" "$LEAK"; printf "child err: %s\\n" "$LEAK" >&2'}`;
    process.stdout.write(`unfinished: ${s}`);
    return passed(`reason: ${s} ${b64url(s)}`);
  },
});

const fail = defineStep({
  id: '03',
  slug: 'fail',
  title: 'Fail with it',
  doc: 'fail',
  needs: ['token'],
  produces: [],
  mutates: false,
  run: async (ctx) => {
    const s = ctx.values.get<string>('token');
    throw new Error(`error: ${s} ${b64(s)}`);
  },
});

const report = process.argv.indexOf('--report');
installCrashHandlers();
exitWith(
  await run({
    runbook: defineRunbook({
      name: 'leaky',
      title: 'Leaky runbook',
      page: 'leaky',
      steps: [learn, leak, fail],
    }),
    target: 'http://127.0.0.1:9',
    report: report > 0 ? process.argv[report + 1] : undefined,
  }),
);
