// The order test files start in. Vitest runs the files it has timings for longest first; without any (a fresh
// clone, as in CI) it starts the largest files first, and a short file that waits on processes for a minute
// can come last and leave the other cores idle. So, without timings, the files that start processes (a site
// build, Chromium, the sandbox, the runner, a CLI) go first, largest first, and the in-process files fill in.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const startsProcesses =
  /\b(spawn|execFile|execFileSync|runCli|runScript|startTestSandbox|launchBrowser|sharedBuild|buildSite)\b/;

export default class ProcessesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const timed = files.every((spec) =>
      this.ctx.cache.getFileTestResults(
        `${spec.project.name}:${relative(this.ctx.config.root, spec.moduleId)}`,
      ),
    );
    if (timed) return super.sort(files);
    const weight = (spec: TestSpecification) => {
      const text = readFileSync(spec.moduleId, 'utf8');
      return (startsProcesses.test(text) ? 1e9 : 0) + text.length;
    };
    return files
      .map((spec) => ({ spec, weight: weight(spec) }))
      .sort((a, b) => b.weight - a.weight)
      .map(({ spec }) => spec);
  }
}
