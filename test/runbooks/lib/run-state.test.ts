// The run state on disk: where it lives per target, records that survive the process that wrote them,
// backups that are never overwritten, and clear refusals for files the runner did not write.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSettings } from '../../../runbooks/lib/env.ts';
import {
  BackupError,
  RunState,
  readBackup,
  runStateDir,
  saveBackup,
  targetFolder,
} from '../../../runbooks/lib/run-state.ts';
import { StepError } from '../../../runbooks/lib/step.ts';
import type { Target } from '../../../runbooks/lib/target.ts';
import { removeTempDirs, tempDir } from '../helpers.ts';

afterAll(removeTempDirs);

const target = (kind: Target['kind'], brokerUrl: string, sandboxDir?: string): Target => ({
  kind,
  label: kind === 'sandbox' ? 'sandbox' : brokerUrl,
  brokerUrl,
  awsAvailable: true,
  region: 'us-east-1',
  sandboxDir,
  started: false,
  release: async () => {},
});

describe('runStateDir', () => {
  const settings = readSettings({ HOME: '/home/op' });

  it('on the sandbox: in the sandbox folder, per runbook', () => {
    expect(runStateDir('stage7', target('sandbox', 'http://127.0.0.1:8091', '/srv/sb'), settings)).toBe(
      '/srv/sb/runbook/stage7',
    );
  });

  it('for a broker URL: one folder per broker under ~/.agentkeys/runbook', () => {
    expect(runStateDir('stage7', target('broker', 'https://broker.example.com'), settings)).toBe(
      '/home/op/.agentkeys/runbook/broker.example.com/stage7',
    );
    expect(targetFolder('https://broker.example.com:8443/agentkeys/')).toBe(
      'broker.example.com_8443_agentkeys',
    );
  });

  it('AGENTKEYS_RUNBOOK_STATE_DIR wins for every target', () => {
    const chosen = readSettings({ HOME: '/home/op', AGENTKEYS_RUNBOOK_STATE_DIR: '/var/lib/ak' });
    expect(runStateDir('stage7', target('broker', 'https://b.example.com'), chosen)).toBe(
      '/var/lib/ak/stage7',
    );
    expect(runStateDir('stage7', target('sandbox', 'http://127.0.0.1:1', '/srv/sb'), chosen)).toBe(
      '/var/lib/ak/stage7',
    );
  });
});

describe('RunState', () => {
  const resource = { type: 'role', name: 'r', roleId: 'AROA1', trustSids: ['S'] };

  it('keeps records across loads (another process reads what this one wrote), private to the owner', async () => {
    const dir = path.join(tempDir('run-state-'), 'stage7');
    const first = await RunState.load(dir);
    expect(first.records).toEqual([]);
    const added = await first.add({ step: '04', account: '123456789012', resource });
    expect(added).toMatchObject({ step: '04', account: '123456789012', resource });
    expect(added.id).toMatch(/^[0-9a-f]{16}$/);
    // A second writer appends to what is on disk, not to its own stale copy.
    const second = await RunState.load(dir);
    await first.add({
      step: '04',
      account: '123456789012',
      resource: { type: 'bucket', name: 'b', tag: 't' },
    });
    await second.remove(added.id);
    expect((await RunState.load(dir)).records.map((r) => r.resource.type)).toEqual(['bucket']);
    expect(statSync(first.file).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(readdirSync(dir)).toEqual(['created.json']);
  });

  it.each([
    ['not JSON', 'nope', /is not a file this runner wrote: it is not JSON/],
    ['another shape', '{"created": []}', /is not a file this runner wrote: /],
  ])('refuses a state file that is %s with a StepError naming it', async (_what, text, message) => {
    const dir = tempDir('run-state-bad-');
    writeFileSync(path.join(dir, 'created.json'), text);
    const error = await RunState.load(dir).catch((e) => e);
    expect(error).toBeInstanceOf(StepError);
    expect(error.message).toMatch(message);
    expect(error.message).toContain(path.join(dir, 'created.json'));
  });
});

describe('backups', () => {
  const backup = {
    runbook: 'stage7',
    step: '04',
    target: 'sandbox',
    account: '123456789012',
    data: { documents: [] },
  };

  it('are written under backups/, mode 0600, never over an earlier one, and read back as written', async () => {
    const dir = tempDir('run-state-backup-');
    const files = await Promise.all([
      saveBackup(dir, backup),
      saveBackup(dir, backup),
      saveBackup(dir, backup),
    ]);
    expect(new Set(files).size).toBe(3);
    for (const file of files) {
      expect(path.dirname(file)).toBe(path.join(dir, 'backups'));
      expect(path.basename(file)).toMatch(/^04-\d{4}-\d\d-\d\dT[\d-]+Z(-\d+)?\.json$/);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(await readBackup(file)).toMatchObject({
        ...backup,
        format: 'agentkeys-runbook-backup',
        version: 1,
      });
    }
    expect(JSON.parse(readFileSync(files[0] as string, 'utf8')).takenAt).toMatch(/^\d{4}-/);
  });

  it.each([
    ['a missing file', undefined, /no backup at .*missing\.json: give the path the step printed/],
    ['not JSON', 'x', /is not JSON/],
    ['JSON of another shape', '{"format":"other"}', /is not a backup this runner wrote/],
  ])('refuse %s with a BackupError', async (_what, text, message) => {
    const dir = tempDir('run-state-backup-bad-');
    const file = path.join(dir, 'missing.json');
    if (text !== undefined) writeFileSync(file, text);
    const error = await readBackup(file).catch((e) => e);
    expect(error).toBeInstanceOf(BackupError);
    expect(error.message).toMatch(message);
  });
});
