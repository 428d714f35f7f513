// `npm run drift`: check the repository, write a source manifest (index), or list mentions of a surface.
import { statSync } from 'node:fs';
import path from 'node:path';
import { ArgsError, type FlagSpecs, parseFlags } from '../lib/args.ts';
import { check } from './check.ts';
import { DriftUsageError, type SurfaceKind } from './config.ts';
import { noticeAt } from './files.ts';
import { mentions } from './mentions.ts';
import { toGithub } from './reporters/github.ts';
import { toJson } from './reporters/json.ts';
import { toPretty } from './reporters/pretty.ts';
import { toSarif } from './reporters/sarif.ts';
import { buildManifest } from './sources.ts';

const USAGE = `Usage:
  npm run drift -- [paths…] [--root DIR] [--config FILE] [--format pretty|json|sarif|github] [--source NAME=DIR]
                   [--cache] [--cache-location FILE|DIR/]
  npm run drift -- index DIR > FILE.json
  npm run drift -- mentions "<surface>" [--kind endpoint|file|symbol|env|header|term] [--format pretty|json]

Exit codes: 0 no errors, 1 errors found, 2 usage or config error, 3 internal error.
Rules and configuration: docs/reference/drift-rules.md`;

const FORMATS = ['pretty', 'json', 'sarif', 'github'] as const;
type Format = (typeof FORMATS)[number];

const FLAGS: FlagSpecs = {
  root: { type: 'string' },
  config: { type: 'string' },
  format: { type: 'string', default: 'pretty' },
  source: { type: 'string', multiple: true },
  kind: { type: 'string' },
  cache: { type: 'boolean' },
  'cache-location': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

function parse(argv: string[]) {
  try {
    const { values, positionals } = parseFlags(argv, FLAGS, {
      allowPositionals: true,
      bin: 'agentkeys-drift',
    });
    return {
      values: values as {
        root?: string;
        config?: string;
        format: string;
        source?: string[];
        kind?: string;
        cache?: boolean;
        'cache-location'?: string;
        help?: boolean;
      },
      positionals,
    };
  } catch (error) {
    if (!(error instanceof ArgsError)) throw error;
    throw new DriftUsageError(error.showUsage ? `${error.message}\n\n${USAGE}` : error.message);
  }
}

/**
 * `npm run drift --format json` reaches us as the path "json": npm reads --format as its own setting and
 * exports nothing we could see, so a missing path that is a flag value gets the hint instead.
 */
function npmHint(message: string, positionals: string[]): string {
  const flagValues = new Set<string>([...FORMATS, 'endpoint', 'file', 'symbol', 'env', 'header', 'term']);
  const missing = /^(.+): no such file or folder$/.exec(message)?.[1];
  if (!process.env.npm_lifecycle_event || !missing || !positionals.includes(missing)) return message;
  const hint = flagValues.has(missing)
    ? `; if it was the value of a flag, npm kept the flag for itself: type -- before the flags, as in npm run drift -- --format ${missing}`
    : '';
  return `${message}${hint}`;
}

export async function main(
  argv: string[],
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  const { values, positionals } = parse(argv);
  if (values.help) {
    out(`${USAGE}\n`);
    return 0;
  }
  const format = values.format as Format;
  if (!FORMATS.includes(format))
    throw new DriftUsageError(`--format ${format}: use one of ${FORMATS.join(', ')}`);
  const sources: Record<string, string> = {};
  for (const s of values.source ?? []) {
    const m = /^([\w.-]+)=(.+)$/.exec(s);
    if (!m) throw new DriftUsageError(`--source ${s}: write --source NAME=DIR`);
    sources[m[1] as string] = m[2] as string;
  }
  const options = {
    root: values.root,
    config: values.config,
    sources,
    paths: positionals,
    // A cache location says where to keep the cache, and so asks for one.
    cache: values.cache === true || values['cache-location'] !== undefined,
    cacheLocation: values['cache-location'],
  };

  if (positionals[0] === 'index') {
    const dir = positionals[1];
    if (!dir || positionals.length > 2)
      throw new DriftUsageError(`index needs exactly one folder\n\n${USAGE}`);
    let isDir = false;
    try {
      isDir = statSync(dir).isDirectory();
    } catch {}
    if (!isDir) throw new DriftUsageError(`index ${dir}: not a folder`);
    out(`${JSON.stringify(buildManifest(path.resolve(dir)), null, 1)}\n`);
    return 0;
  }
  if (positionals[0] === 'mentions') {
    const surface = positionals[1];
    if (!surface || positionals.length > 2)
      throw new DriftUsageError(`mentions needs one surface in quotes\n\n${USAGE}`);
    const kinds = ['endpoint', 'file', 'symbol', 'env', 'header', 'term'];
    if (values.kind && !kinds.includes(values.kind))
      throw new DriftUsageError(`--kind ${values.kind}: use one of ${kinds.join(', ')}`);
    const r = await mentions(
      surface,
      { ...options, paths: [], cache: false },
      values.kind as SurfaceKind | undefined,
    );
    if (format === 'json')
      out(`${JSON.stringify({ version: 1, surface: r.surface, mentions: r.hits }, null, 2)}\n`);
    else {
      for (const h of r.hits)
        out(
          `${h.file}:${h.line}:${h.column}  ${h.exemption ?? (h.pending ? 'pending' : 'live')}  ${h.text}\n`,
        );
      out(
        `${r.hits.length} mentions of ${r.surface.kind} \`${r.surface.value}\`, ${r.hits.filter((h) => !h.exemption).length} read as live\n`,
      );
    }
    return 0;
  }

  let result: Awaited<ReturnType<typeof check>>;
  try {
    result = await check(options);
  } catch (error) {
    if (error instanceof DriftUsageError) throw new DriftUsageError(npmHint(error.message, positionals));
    throw error;
  }
  if (format === 'json') out(toJson(result));
  else if (format === 'sarif') out(toSarif(result));
  else if (format === 'github') out(toGithub(result));
  else out(toPretty(result, process.stdout.isTTY === true && !process.env.NO_COLOR));
  if (format !== 'pretty' && format !== 'github')
    for (const n of result.notices) err(`drift: ${noticeAt(n)}: ${n.message}\n`);
  return result.summary.errors > 0 ? 1 : 0;
}

export async function run(
  argv: string[],
  out: (s: string) => void = (s) => process.stdout.write(s),
  err: (s: string) => void = (s) => process.stderr.write(s),
): Promise<number> {
  try {
    return await main(argv, out, err);
  } catch (error) {
    if (error instanceof DriftUsageError) {
      err(`drift: ${error.message}\n`);
      return 2;
    }
    err(`drift: internal error: ${(error as Error).message}\n`);
    if (process.env.DRIFT_DEBUG) err(`${(error as Error).stack}\n`);
    return 3;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename ?? '')) {
  run(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
