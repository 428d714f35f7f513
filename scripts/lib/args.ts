// Command-line parsing shared by the runner, the checker, the sandbox and `npm start`: Node's parseArgs,
// with one readable message for an unknown or incomplete flag and a guard against flags npm kept for itself.
import { parseArgs } from 'node:util';
import damerauLevenshtein from 'damerau-levenshtein';

export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  default?: string | boolean;
}

export type FlagSpecs = Record<string, FlagSpec>;

/** Bad command-line input: the CLI prints the message with its usage text and exits 2. */
export class ArgsError extends Error {
  override name = 'ArgsError';
  /** False when the message already says exactly what to type, so a usage text would only bury it. */
  readonly showUsage: boolean;
  constructor(message: string, showUsage = true) {
    super(message);
    this.showUsage = showUsage;
  }
}

/** The known flag closest to `typed` (as `--name`), or undefined when none is close. */
export function suggestFlag(typed: string, specs: FlagSpecs): string | undefined {
  const bare = typed.replace(/^-+/, '').split('=')[0] ?? '';
  let best: { name: string; score: number } | undefined;
  for (const name of Object.keys(specs)) {
    // Damerau–Levenshtein (optimal string alignment): a swap of two neighbours (--frmo) counts as one edit.
    const score = name.startsWith(bare) || bare.startsWith(name) ? 1 : damerauLevenshtein(bare, name).steps;
    if (score <= Math.max(1, Math.floor(name.length / 3)) && (!best || score < best.score)) {
      best = { name, score };
    }
  }
  return best && `--${best.name}`;
}

function describe(error: Error & { code?: string }, specs: FlagSpecs): string {
  const message = error.message;
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const typed = /'([^']+)'/.exec(message)?.[1] ?? message;
    const suggestion = suggestFlag(typed, specs);
    return `unknown flag ${typed}${suggestion ? `; did you mean ${suggestion}?` : ''}`;
  }
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    // Node names the option as "-y, --yes" or "--step <value>"; the long name is the one to show.
    const flag = /--[\w-]+/.exec(message)?.[0];
    if (flag && specs[flag.slice(2)]?.type === 'string') return `${flag} needs a value`;
    if (flag) return `${flag} takes no value`;
  }
  if (error.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    const value = /'([^']+)'/.exec(message)?.[1];
    if (value) return `unexpected argument "${value}"`;
  }
  return message.split('\n')[0] ?? message;
}

/**
 * Flags npm took for itself: typed after `npm run <script>` without `--`, npm reads `--dry-run` as its own
 * setting and exports `npm_config_dry_run=true` instead of passing the flag on. A flag of this CLI that
 * shows up that way was meant for it, so it is named rather than silently ignored.
 */
export function flagsNpmKept(specs: FlagSpecs, env: NodeJS.ProcessEnv): string[] {
  if (!env.npm_lifecycle_event) return [];
  const kept: string[] = [];
  for (const [name, spec] of Object.entries(specs)) {
    if (name === 'help') continue;
    // npm stores `--no-moto` as moto=false, exported as an empty string.
    const negated = name.startsWith('no-') ? name.slice(3) : undefined;
    if (negated !== undefined) {
      if (env[`npm_config_${negated.replace(/-/g, '_')}`] === '') kept.push(`--${name}`);
      continue;
    }
    const value = env[`npm_config_${name.replace(/-/g, '_')}`];
    // A flag npm does not know arrives as `true`; its value, if any, becomes a positional argument.
    if (value === 'true') kept.push(spec.type === 'string' ? `--${name} …` : `--${name}`);
  }
  return kept;
}

/**
 * The refusal printed when npm kept flags: what happened and the command that works. A kept flag's value
 * is among the positionals, so the example keeps them only when every kept flag is a switch (or, with
 * `command`, keeps the first one, which names what to run).
 */
export function npmKeptMessage(
  kept: string[],
  positionals: string[],
  env: NodeJS.ProcessEnv,
  options: { bin?: string; command?: boolean } = {},
): string {
  const script = env.npm_lifecycle_event === 'start' ? 'npm start' : `npm run ${env.npm_lifecycle_event}`;
  const exact = kept.every((flag) => !flag.endsWith('…'));
  const leading = exact ? positionals : positionals.slice(0, options.command ? 1 : 0);
  const args = [...leading, ...kept].join(' ');
  const bin = options.bin;
  const alternative = bin && exact ? `, or without npm's parsing: npx ${bin} ${args}` : '';
  return (
    `npm kept ${kept.join(' ')} for itself (npm reads flags typed before "--" as its own settings), so ` +
    `${kept.length > 1 ? 'they' : 'it'} never reached this command and nothing was run. ` +
    `Type -- before the flags: ${script} -- ${args}${alternative}`
  );
}

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/**
 * Parses `argv` strictly. Throws ArgsError with one readable line for an unknown flag (with the closest known
 * one), a missing value, or flags npm kept for itself when run as `npm run <script>` (`bin` names the
 * package binary that takes the flags without `--`; `command` says the first positional names what to run).
 */
export function parseFlags(
  argv: string[],
  specs: FlagSpecs,
  options: { allowPositionals?: boolean; env?: NodeJS.ProcessEnv; bin?: string; command?: boolean } = {},
): Parsed {
  const env = options.env ?? process.env;
  const kept = flagsNpmKept(specs, env);
  if (kept.length > 0) {
    const positionals = argv.filter((arg) => !arg.startsWith('-'));
    throw new ArgsError(npmKeptMessage(kept, positionals, env, options), false);
  }
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: specs,
      allowPositionals: options.allowPositionals ?? false,
      strict: true,
    });
    return { values: values as Parsed['values'], positionals };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code?.startsWith('ERR_PARSE_ARGS')) throw new ArgsError(describe(error as Error, specs));
    throw error;
  }
}
