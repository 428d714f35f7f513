// Build-time data for the banner every page shows: which broker commit the site describes.
import { readFileSync } from 'node:fs';
import { defineLoader } from 'vitepress';
import { parseUpstream, type Upstream } from '../../scripts/reference/upstream.ts';
import { DataFileError } from './markdown.ts';

declare const data: Upstream;

export { data };

export default defineLoader({
  watch: ['../../docs/reference/upstream.yaml'],
  load(files: string[]): Upstream {
    const [path] = files;
    if (!path)
      throw new DataFileError(
        'docs/reference/upstream.yaml is missing; it names the broker the pages describe.',
      );
    return parseUpstream(readFileSync(path, 'utf8'), 'docs/reference/upstream.yaml');
  },
});
