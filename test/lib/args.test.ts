// The command-line helper every tool shares: readable messages for bad flags, and flags npm kept for itself.
import { describe, expect, it } from 'vitest';
import { ArgsError, type FlagSpecs, flagsNpmKept, parseFlags, suggestFlag } from '../../scripts/lib/args.ts';

const specs: FlagSpecs = {
  target: { type: 'string' },
  step: { type: 'string' },
  from: { type: 'string' },
  'dry-run': { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
  'no-moto': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};
const npm = { npm_lifecycle_event: 'runbook' };

function message(argv: string[], env: NodeJS.ProcessEnv = {}, options = {}): string {
  try {
    parseFlags(argv, specs, { allowPositionals: true, env, ...options });
  } catch (error) {
    expect(error).toBeInstanceOf(ArgsError);
    return (error as Error).message;
  }
  throw new Error(`${argv.join(' ')} parsed`);
}

describe('suggestFlag', () => {
  it.each([
    ['--frmo', '--from'],
    ['--dryrun', '--dry-run'],
    ['--dry', '--dry-run'],
    ['--tagret', '--target'],
    ['--stpe=3', '--step'],
  ])('%s → %s', (typed, expected) => expect(suggestFlag(typed, specs)).toBe(expected));

  it('suggests nothing when nothing is close', () => expect(suggestFlag('--verbose', specs)).toBeUndefined());
});

describe('parseFlags', () => {
  it('names an unknown flag once, with the closest known one and no parser jargon', () => {
    expect(message(['stage7', '--frmo', '03'])).toBe('unknown flag --frmo; did you mean --from?');
    expect(message(['--verbose'])).toBe('unknown flag --verbose');
  });

  it('says which flag needs a value and which takes none', () => {
    expect(message(['stage7', '--step'])).toBe('--step needs a value');
    expect(message(['--yes=1'])).toBe('--yes takes no value');
  });

  it('names an unexpected argument when positionals are not allowed', () => {
    expect(() => parseFlags(['stray'], specs, { env: {} })).toThrow('unexpected argument "stray"');
  });

  it('returns flags and positionals when all is well', () => {
    const parsed = parseFlags(['stage7', '--step', '06', '-y'], specs, { allowPositionals: true, env: {} });
    expect(parsed).toEqual({ values: { step: '06', yes: true }, positionals: ['stage7'] });
  });
});

describe('flags npm kept for itself', () => {
  it('finds switches, valued flags and --no- forms in the npm_config_* npm exports', () => {
    const env = { ...npm, npm_config_dry_run: 'true', npm_config_step: 'true', npm_config_moto: '' };
    expect(flagsNpmKept(specs, env)).toEqual(['--step …', '--dry-run', '--no-moto']);
  });

  it('ignores npm settings that were not typed (empty or false defaults) and runs outside npm', () => {
    expect(flagsNpmKept(specs, { ...npm, npm_config_yes: '', npm_config_dry_run: 'false' })).toEqual([]);
    expect(flagsNpmKept(specs, { npm_config_dry_run: 'true' })).toEqual([]);
  });

  it('refuses to parse, showing the command that passes them on', () => {
    const text = message(['stage7'], { ...npm, npm_config_dry_run: 'true' }, { bin: 'agentkeys-runbook' });
    expect(text).toContain('nothing was run');
    expect(text).toContain('Type -- before the flags: npm run runbook -- stage7 --dry-run');
    expect(text).toContain('npx agentkeys-runbook stage7 --dry-run');
  });

  it('keeps only the command name in the example when a kept flag had a value', () => {
    const text = message(['stage7', '06'], { ...npm, npm_config_step: 'true' }, { command: true });
    expect(text).toContain('npm run runbook -- stage7 --step …');
    expect(text).not.toContain('06');
  });

  it('is refused before any other check, so no later default can act on a half-read command line', () => {
    let thrown: unknown;
    try {
      parseFlags(['stage7', '--bogus'], specs, {
        allowPositionals: true,
        env: { ...npm, npm_config_yes: 'true' },
      });
    } catch (error) {
      thrown = error;
    }
    expect((thrown as ArgsError).showUsage).toBe(false);
    expect((thrown as Error).message).toMatch(/^npm kept --yes/);
  });
});
