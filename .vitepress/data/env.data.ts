// Build-time data for the environment tables, read from docs/reference/env.yaml and upstream.yaml.
import { readFileSync } from 'node:fs';
import { defineLoader } from 'vitepress';
import { parseUpstream } from '../../scripts/reference/upstream.ts';
import { buildEnvView, type EnvGroupView } from './env.ts';
import { DataFileError } from './markdown.ts';

const file = 'docs/reference/env.yaml';

declare const data: EnvGroupView[];

export { data };

export default defineLoader({
  watch: ['../../docs/reference/env.yaml', '../../docs/reference/upstream.yaml'],
  load(files: string[]): EnvGroupView[] {
    const envPath = files.find((f) => f.endsWith('env.yaml'));
    const upstreamPath = files.find((f) => f.endsWith('upstream.yaml'));
    if (!envPath)
      throw new DataFileError(`${file} is missing; the environment reference page is rendered from it.`);
    if (!upstreamPath)
      throw new DataFileError(
        'docs/reference/upstream.yaml is missing; it names the broker the pages describe.',
      );
    const upstream = parseUpstream(readFileSync(upstreamPath, 'utf8'), 'docs/reference/upstream.yaml');
    return buildEnvView(readFileSync(envPath, 'utf8'), file, upstream.short);
  },
});
