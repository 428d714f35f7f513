// The registries' loaders: drift.yaml, the env reference, the OpenAPI contract and upstream.yaml, read into
// plain data, and the views the generated pages render. Pure: text in, data out (site.ts alone reads the
// files it watches).
// The site's data loaders and the drift checker both import from here; nothing here imports either of them.
export {
  type ApiView,
  type BodyView,
  buildApiView,
  curlCommand,
  type ExampleView,
  type RouteView,
  routeId,
} from './api-view.ts';
export {
  type DriftConfig,
  type MarkdownFlavor,
  type ParityEntry,
  type ParityTarget,
  parseDriftYaml,
  type RetiredSurface,
  type SourceConfig,
  type SurfaceKind,
  type UndocumentedEntry,
} from './drift-yaml.ts';
export { type EnvFile, loadEnvReference } from './env.ts';
export { buildEnvView, type EnvGroupView, type EnvVarView, envVarId, statusText } from './env-view.ts';
export { RegistryError } from './errors.ts';
export { type Endpoint, loadOpenApi, type OpenApiFile } from './openapi.ts';
export { buildRetiredView, type RetiredView } from './retired-view.ts';
export { type SchemaView, schemaView } from './schema-view.ts';
export { SITE_LOADER_CALL, SITE_VIEWS, type SiteLoaderOptions, type SiteView, siteLoader } from './site.ts';
export { buildUpstreamView, type Upstream } from './upstream-view.ts';
export type { YamlWarning } from './yaml.ts';
