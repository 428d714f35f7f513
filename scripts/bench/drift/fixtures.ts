// The synthetic tree's registry and live contract: a drift.yaml shaped like the repository's own, a small
// OpenAPI document and an env reference, so every live path and variable the pages use is known.
// drift-ignore-start the benchmark plants retired surfaces and decoys on purpose; the bench scores them

export function driftYaml(): string {
  return `# Registry of the synthetic benchmark tree.
include:
  - "docs/**/*.md"
  - "src/**/*.ts"
  - "crates/**/*.rs"
  - "deploy/**/*.yaml"
  - "ops/**/*.sh"
exclude:
  - "**/node_modules/**"
historical:
  - "docs/archived/**"
live:
  openapi: docs/reference/broker.openapi.yaml
  env: docs/reference/env.yaml
# The pages are a VitePress site's: links and heading ids are read as VitePress renders them.
site:
  srcDir: docs
retired:
  - endpoint: POST /v1/mint-aws-creds
    description: Broker-side route that returned temporary AWS credentials.
    replacement: POST /v1/mint-oidc-jwt + client-side sts:AssumeRoleWithWebIdentity
    removed: "PR #96"
  - file: crates/agentkeys-broker-server/src/handlers/mint.rs
    description: Implementation of the retired mint route.
    replacement: none
    removed: "PR #96"
  - symbol: mint_v2
    description: Handler of the retired mint route.
    replacement: none
    removed: "PR #96"
  - symbol: try_consume
    description: Spent one grant use per mint.
    replacement: nothing; grants are create, list and revoke only
    removed: "PR #96"
  - header: Idempotency-Key
    description: Server-side dedup of mint request bodies.
    replacement: client-side dedup
    removed: "PR #96"
  - env: BROKER_REQUIRE_EXPLICIT_GRANT
    description: Planned switch for mint-time grant enforcement.
    replacement: none
    removed: "moot since PR #96"
terms:
  - deprecated: agentkeys_user_wallet
    prefer: agentkeys_actor_omni
    allowNear: [legacy, back-compat]
`;
}

export function openapiYaml(): string {
  const op = (summary: string) =>
    `      summary: ${summary}\n      responses:\n        "200":\n          description: OK\n`;
  return `openapi: 3.1.0
info:
  title: Benchmark broker
  version: 1.0.0
paths:
  /healthz:
    get:
${op('Liveness')}  /readyz:
    get:
${op('Readiness')}  /v1/mint-oidc-jwt:
    post:
${op('Mint an OIDC JWT')}  /v1/mint-aws-creds-v2:
    post:
${op('Batch mint of OIDC JWTs')}  /v1/grants:
    get:
${op('List grants')}    post:
${op('Create a grant')}  /v1/grants/{grant_id}:
    delete:
      summary: Revoke a grant
      parameters:
        - name: grant_id
          in: path
          required: true
          schema:
            type: string
      responses:
        "204":
          description: Revoked
`;
}

export function envYaml(): string {
  const v = (name: string, def: string) =>
    `      - name: ${name}\n        meaning: Used by the benchmark pages.\n        default: "${def}"\n        range: any\n`;
  return `groups:
  - id: broker
    title: Broker
    description: Read by the broker at start-up.
    vars:
${v('BROKER_OIDC_ISSUER', 'required')}${v('BROKER_OIDC_JWT_TTL_SECONDS', '300')}${v('BROKER_AUDIT_DB_PATH', 'audit.sqlite')}${v('BROKER_DEV_MODE', 'false')}  - id: client
    title: Client
    description: Read by clients and runbooks.
    vars:
${v('AGENTKEYS_BROKER_URL', 'none')}${v('AGENTKEYS_SESSION_JWT', 'none')}${v('AGENTKEYS_DATA_ROLE_ARN', 'none')}`;
}
// drift-ignore-end
