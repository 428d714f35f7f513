// Build-time data for the banner every page shows: which broker commit the site describes.
import { defineLoader } from 'vitepress';
import { siteLoader, type Upstream } from '../../scripts/registries/index.ts';

declare const data: Upstream;

export { data };

export default defineLoader(siteLoader('upstream', '../../docs/reference/upstream.yaml'));
