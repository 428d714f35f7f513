// Build-time data for the retired-surfaces page, read from the `retired:` list in drift.yaml.
import { readFileSync } from 'node:fs';
import { defineLoader } from 'vitepress';
import { DataFileError } from './markdown.ts';
import { buildRetiredView, type RetiredView } from './retired.ts';

const file = 'drift.yaml';

declare const data: RetiredView[];

export { data };

export default defineLoader({
  watch: ['../../drift.yaml'],
  load(files: string[]): RetiredView[] {
    const [path] = files;
    if (!path) throw new DataFileError(`${file} is missing; the retired-surfaces page is rendered from it.`);
    return buildRetiredView(readFileSync(path, 'utf8'), file);
  },
});
