// Build-time data for the environment tables, read from docs/reference/env.yaml and upstream.yaml.
import { defineLoader } from 'vitepress';
import { type EnvGroupView, siteLoader } from '../../scripts/registries/index.ts';

declare const data: EnvGroupView[];

export { data };

export default defineLoader(
  siteLoader('env', '../../docs/reference/env.yaml', { upstream: '../../docs/reference/upstream.yaml' }),
);
