// The runner owns the process's output while it runs, as a CI system masks every line of a job: whatever
// writes to process.stdout or process.stderr — a step's console.error, a library's warning, zx echoing a
// child process — passes through redaction line by line. A step's own writes become lines of that step.
import { StringDecoder } from 'node:string_decoder';
import { LineMasker } from './redact.ts';

export type StreamName = 'stdout' | 'stderr';
/** Receives each redacted line; `ended` is false for a last line flushed before its line break came. */
export type LineSink = (stream: StreamName, line: string, ended: boolean) => void;

type Write = NodeJS.WriteStream['write'];

// A write made only of terminal control sequences (cli-cursor hiding the cursor for listr2's display) carries
// no text: it goes straight on, so it neither waits for a line break nor sticks to the next line of output.
const CONTROL_ONLY = new RegExp(`^(?:${String.fromCharCode(27)}\\[[0-9;?]*[A-Za-z])+$`);

export interface Capture {
  /** Passes on the unfinished last lines and puts back the writers that were there before. */
  release(): void;
}

/**
 * Replaces `write` on both process streams until `release()`: text is decoded, held until its line ends,
 * redacted and handed to `sink` one line at a time (line breaks removed). Captures stack: a capture taken
 * inside another passes its lines to its own sink and leaves the outer one as it was, and they may be released
 * in any order.
 */
// Each capture's writer and the one it replaced, so a release can skip writers already released below it.
const below = new WeakMap<Write, { previous: Write; active: () => boolean }>();

function liveWriter(writer: Write): Write {
  let current = writer;
  for (let layer = below.get(current); layer && !layer.active(); layer = below.get(current)) {
    current = layer.previous;
  }
  return current;
}

export function capture(sink: LineSink): Capture {
  const streams = { stdout: process.stdout, stderr: process.stderr };
  const restore: Array<() => void> = [];
  const flushes: Array<() => void> = [];
  for (const name of ['stdout', 'stderr'] as const) {
    const stream = streams[name];
    const previous = stream.write;
    const decoder = new StringDecoder('utf8');
    const masker = new LineMasker();
    let active = true;
    const write = (chunk: unknown, encoding?: unknown, callback?: unknown): boolean => {
      // Released while a capture taken later still sits on top of it: hand everything down unchanged.
      if (!active)
        return (previous as (...args: unknown[]) => boolean).call(stream, chunk, encoding, callback);
      const done = typeof encoding === 'function' ? encoding : callback;
      const text =
        typeof chunk === 'string'
          ? typeof encoding === 'string' && !/^utf-?8$/i.test(encoding)
            ? Buffer.from(chunk, encoding as BufferEncoding).toString('utf8')
            : chunk
          : decoder.write(Buffer.from(chunk as Uint8Array));
      if (CONTROL_ONLY.test(text)) previous.call(stream, text);
      else for (const line of masker.push(text)) sink(name, line, true);
      if (typeof done === 'function') process.nextTick(done as () => void);
      return true;
    };
    stream.write = write as Write;
    below.set(write as Write, { previous, active: () => active });
    flushes.push(() => {
      const rest = masker.push(decoder.end());
      for (const line of rest) sink(name, line, true);
      const last = masker.flush();
      if (last !== undefined) sink(name, last, false);
    });
    restore.push(() => {
      active = false;
      if (stream.write === write) stream.write = liveWriter(previous);
    });
  }
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      for (const flush of flushes) flush();
      for (const undo of restore) undo();
    },
  };
}

/** The process's own writers as they are now, for output that must not be captured again. */
export function directWriters(): Record<StreamName, (text: string) => void> {
  const stdout = process.stdout.write.bind(process.stdout);
  const stderr = process.stderr.write.bind(process.stderr);
  return { stdout: (text) => void stdout(text), stderr: (text) => void stderr(text) };
}
