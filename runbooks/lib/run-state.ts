// What a run leaves behind on disk so that a later run can undo it: the record of cloud resources steps
// created (read by clean-up in any later run) and backups of documents taken before a step changed them
// (read by `--restore`). Never a secret: names, ARNs, ids, dates and policy documents only.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { z as Zod } from 'zod';
import type { Settings } from './env.ts';
import { StepError } from './step.ts';
import type { Target } from './target.ts';

const STATE_FORMAT = 'agentkeys-runbook-state';
const BACKUP_FORMAT = 'agentkeys-runbook-backup';

/** A folder name for a broker URL: its host, port and path, with every other character replaced. */
export function targetFolder(brokerUrl: string): string {
  const url = new URL(brokerUrl);
  return `${url.host}${url.pathname.replace(/\/+$/, '')}`.replace(/[^A-Za-z0-9.-]+/g, '_');
}

/**
 * Where a runbook keeps its state for a target: `AGENTKEYS_RUNBOOK_STATE_DIR` when set; on the sandbox, in
 * the sandbox's folder (it describes that sandbox's moto); otherwise one folder per broker under
 * `~/.agentkeys/runbook/`. Each runbook gets its own subfolder.
 */
export function runStateDir(runbook: string, target: Target, settings: Settings): string {
  const root =
    settings.runStateDir ??
    (target.kind === 'sandbox' && target.sandboxDir
      ? path.join(target.sandboxDir, 'runbook')
      : path.join(settings.homeDir, '.agentkeys', 'runbook', targetFolder(target.brokerUrl)));
  return path.join(root, runbook);
}

/** The shapes of the files; built on first use, so commands that never read run state skip loading zod. */
function fileSchemas(z: typeof Zod) {
  const CreatedRecord = z.object({
    id: z.string(),
    step: z.string(),
    at: z.string(),
    /** The AWS account the resource lives in; clean-up acts only on records of the caller's account. */
    account: z.string(),
    resource: z.looseObject({ type: z.string() }),
  });
  return {
    CreatedRecord,
    StateFile: z.object({
      format: z.literal(STATE_FORMAT),
      version: z.literal(1),
      created: z.array(CreatedRecord),
    }),
    BackupFile: z.object({
      format: z.literal(BACKUP_FORMAT),
      version: z.literal(1),
      runbook: z.string(),
      step: z.string(),
      /** `sandbox` or the broker URL the backup was taken against. */
      target: z.string(),
      account: z.string(),
      takenAt: z.string(),
      /** What the step saved, in the step's own shape; its restore() checks it. */
      data: z.unknown(),
    }),
  };
}
type Schemas = ReturnType<typeof fileSchemas>;
export type CreatedRecord = Zod.infer<Schemas['CreatedRecord']>;
export type Backup = Zod.infer<Schemas['BackupFile']>;

let zod: Promise<typeof Zod> | undefined;
/** zod, loaded once on first use. */
export const loadZod = () => {
  zod ??= import('zod').then((m) => m.z);
  return zod;
};
const schemas = async () => {
  const z = await loadZod();
  return { z, ...fileSchemas(z) };
};

async function writeAtomically(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, text, { mode: 0o600 });
  // A rename replaces the file in one go: a run stopped half-way never leaves a torn record behind.
  await rename(temp, file);
}

function unreadable(file: string, why: string): StepError {
  return new StepError(`${file} is not a file this runner wrote: ${why}`, {
    hint: 'it records what earlier runs created; restore it from a copy, or move it away to start afresh (then remove those resources by hand)',
  });
}

/** The record of what steps created on one target, kept across runs until clean-up removes it. */
export class RunState {
  private constructor(
    readonly file: string,
    private created: CreatedRecord[],
  ) {}

  static async load(dir: string): Promise<RunState> {
    const file = path.join(dir, 'created.json');
    return new RunState(file, await RunState.read(file));
  }

  private static async read(file: string): Promise<CreatedRecord[]> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw unreadable(file, (error as Error).message);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw unreadable(file, 'it is not JSON');
    }
    const { z, StateFile } = await schemas();
    const parsed = StateFile.safeParse(json);
    if (!parsed.success) throw unreadable(file, z.prettifyError(parsed.error).replaceAll('\n', ' '));
    return parsed.data.created;
  }

  get records(): readonly CreatedRecord[] {
    return this.created;
  }

  /** Adds a record and writes the file at once, so a step that fails later still leaves it behind. */
  async add(entry: Omit<CreatedRecord, 'id' | 'at'>): Promise<CreatedRecord> {
    const record = { id: randomBytes(8).toString('hex'), at: new Date().toISOString(), ...entry };
    // Re-read first: another process (a step run alone) may have written since this one loaded.
    this.created = [...(await RunState.read(this.file)), record];
    await this.save();
    return record;
  }

  /** Drops a record (its resource was removed, or is no longer the one that was created). */
  async remove(id: string): Promise<void> {
    this.created = (await RunState.read(this.file)).filter((r) => r.id !== id);
    await this.save();
  }

  private async save(): Promise<void> {
    const body = { format: STATE_FORMAT, version: 1, created: this.created };
    await writeAtomically(this.file, `${JSON.stringify(body, null, 2)}\n`);
  }
}

/** Writes a backup under `<dir>/backups/` and returns its path; an existing file is never overwritten. */
export async function saveBackup(
  dir: string,
  backup: Omit<Backup, 'format' | 'version' | 'takenAt'>,
): Promise<string> {
  const takenAt = new Date().toISOString();
  const body = { format: BACKUP_FORMAT, version: 1, ...backup, takenAt };
  const folder = path.join(dir, 'backups');
  await mkdir(folder, { recursive: true, mode: 0o700 });
  const stamp = takenAt.replace(/[:.]/g, '-');
  for (let n = 0; ; n += 1) {
    const file = path.join(folder, `${backup.step}-${stamp}${n ? `-${n}` : ''}.json`);
    try {
      const handle = await open(file, 'wx', 0o600);
      await handle.writeFile(`${JSON.stringify(body, null, 2)}\n`);
      await handle.close();
      return file;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/** Thrown for a backup file that cannot be used; the CLI prints it and exits 2. */
export class BackupError extends Error {
  override name = 'BackupError';
}

export async function readBackup(file: string): Promise<Backup> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new BackupError(
      code === 'ENOENT'
        ? `no backup at ${file}: give the path the step printed ("saved … to <path>")`
        : `cannot read ${file}: ${(error as Error).message}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new BackupError(`${file} is not JSON, so it is not a backup this runner wrote`);
  }
  const { z, BackupFile } = await schemas();
  const parsed = BackupFile.safeParse(json);
  if (!parsed.success) {
    throw new BackupError(
      `${file} is not a backup this runner wrote: ${z.prettifyError(parsed.error).replaceAll('\n', ' ')}`,
    );
  }
  return parsed.data;
}
