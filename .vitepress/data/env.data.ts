// Build-time data for the environment reference page, read from docs/reference/env.yaml.
import { readFileSync } from 'node:fs';
import { defineLoader } from 'vitepress';
import { buildEnvView, type EnvGroupView } from './env.ts';
import { DataFileError } from './markdown.ts';

const file = 'docs/reference/env.yaml';

declare const data: EnvGroupView[];

export { data };

export default defineLoader({
  watch: ['../../docs/reference/env.yaml'],
  load(files: string[]): EnvGroupView[] {
    const [path] = files;
    if (!path)
      throw new DataFileError(`${file} is missing; the environment reference page is rendered from it.`);
    return buildEnvView(readFileSync(path, 'utf8'), file);
  },
});
