// Finds processes a test started, however far they wandered: every child inherits a marker variable, so a
// process left running (orphaned to PID 1, in its own process group) still shows up in /proc.
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';

export const MARK_VARIABLE = 'AGENTKEYS_TEST_MARK';

/** A fresh marker and the environment entry that carries it. */
export function processMark(): { mark: string; env: Record<string, string> } {
  const mark = randomUUID();
  return { mark, env: { [MARK_VARIABLE]: mark } };
}

/** Live (non-zombie) processes whose environment carries `mark`, with their command lines. */
export function markedProcesses(mark: string): { pid: number; command: string }[] {
  const needle = `${MARK_VARIABLE}=${mark}`;
  const found: { pid: number; command: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      if (!readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(needle)) continue;
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim();
      found.push({ pid: Number(entry), command });
    } catch {
      // The process ended while it was read.
    }
  }
  return found;
}

/** Kills whatever still carries `mark` (test clean-up after a failed assertion). */
export function killMarked(mark: string): void {
  for (const { pid } of markedProcesses(mark)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
}

/**
 * Waits until no process carries `mark`, polling /proc, and returns what is still there after `ms` — an
 * exiting process group can take a moment after its leader's exit to disappear.
 */
export async function leftBehind(mark: string, ms = 5000): Promise<{ pid: number; command: string }[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = markedProcesses(mark);
    if (found.length === 0 || Date.now() > deadline) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
