// Build-time data for the API reference page, read from the broker's OpenAPI contract.
import { defineLoader } from 'vitepress';
import { type ApiView, siteLoader } from '../../scripts/registries/index.ts';

declare const data: ApiView;

export { data };

export default defineLoader(siteLoader('openapi', '../../docs/reference/broker.openapi.yaml'));
