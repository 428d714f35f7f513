// Build-time data for the retired-surfaces page, read from the `retired:` list in drift.yaml.
import { defineLoader } from 'vitepress';
import { type RetiredView, siteLoader } from '../../scripts/registries/index.ts';

declare const data: RetiredView[];

export { data };

export default defineLoader(siteLoader('drift', '../../drift.yaml'));
