// Build-time data for the API reference page, read from the broker's OpenAPI contract.
import { readFileSync } from 'node:fs';
import { defineLoader } from 'vitepress';
import { DataFileError } from './markdown.ts';
import { type ApiView, buildApiView } from './openapi.ts';

const file = 'docs/reference/broker.openapi.yaml';

declare const data: ApiView;

export { data };

export default defineLoader({
  watch: ['../../docs/reference/broker.openapi.yaml'],
  load(files: string[]): ApiView {
    const [path] = files;
    if (!path) throw new DataFileError(`${file} is missing; the API reference page is rendered from it.`);
    return buildApiView(readFileSync(path, 'utf8'), file);
  },
});
