// Runs a command in a real pseudo-terminal (util-linux `script`) and renders what it drew with xterm.js's
// headless terminal, so tests assert on the screen an operator sees rather than on raw escape codes.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import xterm from '@xterm/headless';

export interface PtyRun {
  child: ChildProcessWithoutNullStreams;
  /** Everything written to the terminal so far, escape codes included. */
  raw(): string;
  /** Resolves once the raw output matches `pattern`; rejects if the command ends first. */
  waitFor(pattern: RegExp): Promise<void>;
  /** Types Ctrl-C: the terminal sends SIGINT to its foreground process group, as a keyboard would. */
  ctrlC(): void;
  /** The command's exit code and the rendered screen (scrollback included), once it ends. */
  exited: Promise<{ code: number | null; screen: string[] }>;
}

export function runInPty(
  command: string,
  options: { cwd: string; env: NodeJS.ProcessEnv; cols?: number; rows?: number },
): PtyRun {
  const cols = options.cols ?? 120;
  const rows = options.rows ?? 40;
  const terminal = new xterm.Terminal({ cols, rows, scrollback: 5000, allowProposedApi: true });
  // `script` gives the command a terminal of size 0×0; stty sets the size the renderer draws for.
  const child = spawn('script', ['-qfec', `stty cols ${cols} rows ${rows}; exec ${command}`, '/dev/null'], {
    cwd: options.cwd,
    env: { ...options.env, TERM: 'xterm-256color' },
    detached: true,
  });
  let raw = '';
  const waiters: { pattern: RegExp; resolve(): void; reject(error: Error): void }[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    raw += text;
    terminal.write(text);
    for (const waiter of [...waiters]) {
      if (waiter.pattern.test(raw)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  });
  child.stderr.on('data', (chunk: Buffer) => {
    raw += chunk.toString('utf8');
  });
  const exited = new Promise<{ code: number | null; screen: string[] }>((resolve) => {
    child.once('close', (code) => {
      for (const waiter of waiters.splice(0))
        waiter.reject(new Error(`exited ${code} before ${waiter.pattern}:\n${raw}`));
      // write('') calls back once everything written before it has been parsed.
      terminal.write('', () => {
        const buffer = terminal.buffer.active;
        const screen: string[] = [];
        for (let i = 0; i < buffer.length; i += 1)
          screen.push(buffer.getLine(i)?.translateToString(true) ?? '');
        while (screen.length > 0 && screen.at(-1) === '') screen.pop();
        terminal.dispose();
        resolve({ code, screen });
      });
    });
  });
  return {
    child,
    raw: () => raw,
    waitFor: (pattern) =>
      new Promise<void>((resolve, reject) => {
        if (pattern.test(raw)) resolve();
        else if (child.exitCode !== null) reject(new Error(`exited before ${pattern}:\n${raw}`));
        else waiters.push({ pattern, resolve, reject });
      }),
    ctrlC: () => child.stdin.write('\x03'),
    exited,
  };
}
