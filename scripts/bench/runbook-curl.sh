#!/usr/bin/env bash
# The Stage 7 runbook's HTTP calls as a plain curl script, without the runner's checks, explanations or
# reports: the baseline `npm run bench:runbook` compares the runner with. Needs curl 7.75+ (--aws-sigv4),
# jq and node. Secrets travel through stdin or the environment, never argv.
# Usage: BROKER=http://127.0.0.1:8091 AWS_ENDPOINT_URL=http://127.0.0.1:5000 SANDBOX_DIR=.sandbox runbook-curl.sh
set -euo pipefail
: "${BROKER:?BROKER (the sandbox broker URL) is required}"
: "${AWS_ENDPOINT_URL:?AWS_ENDPOINT_URL (the sandbox moto URL) is required}"
: "${SANDBOX_DIR:?SANDBOX_DIR (the sandbox folder with test-wallet.json) is required}"
REGION=${AWS_REGION:-us-east-1}
MOTO=$AWS_ENDPOINT_URL
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

get() { curl -sS -f "$BROKER$1"; }
post() { curl -sS -f -H 'content-type: application/json' -d "$2" "$BROKER$1"; }
# Bearer calls: the session JWT goes to curl as a config line on stdin.
bearer() {
  local method=$1 path=$2 body=${3:-}
  printf 'header = "Authorization: Bearer %s"\n' "$SESSION" |
    curl -sS --config - -X "$method" -H 'content-type: application/json' ${body:+-d "$body"} "$BROKER$path"
}
aws_query() { # service, then form fields; the emulator's dummy key is not a secret
  local service=$1; shift
  curl -sS -f --aws-sigv4 "aws:amz:$REGION:$service" --user runbook-emulator:runbook-emulator "$@" "$MOTO/"
}
iam() { aws_query iam -d Version=2010-05-08 "$@"; }
s3() { curl -sS --aws-sigv4 "aws:amz:$REGION:s3" --user runbook-emulator:runbook-emulator "$@"; }
xml() { grep -o "<$1>[^<]*" | head -1 | cut -d'>' -f2; }

# 01-03: health, readiness, discovery and JWKS
get /healthz >/dev/null
get /healthz >/dev/null
get /readyz >/dev/null
ISSUER=$(get /.well-known/openid-configuration | jq -r .issuer)
get /.well-known/jwks.json >/dev/null
HOST=${ISSUER#*://}

# 04: IAM OIDC provider, data role, inline policy, bucket and bucket policy
ACCOUNT=$(aws_query sts -d Action=GetCallerIdentity -d Version=2011-06-15 | xml Account)
PROVIDER="arn:aws:iam::$ACCOUNT:oidc-provider/$HOST"
ROLE=agentkeys-vault-role
BUCKET=agentkeys-vault-$ACCOUNT
TAG='${aws:PrincipalTag/agentkeys_actor_omni}'
NULL_TAG='"Null":{"aws:PrincipalTag/agentkeys_actor_omni":"false"}'
TRUST='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"'$PROVIDER'"},"Action":["sts:AssumeRoleWithWebIdentity","sts:TagSession"],"Condition":{"StringEquals":{"'$HOST':aud":"sts.amazonaws.com"},"Null":{"aws:RequestTag/agentkeys_actor_omni":"false"}}}]}'
statements() {
  echo '{"Sid":"ListOwnPrefix","Effect":"Allow",'"$1"'"Action":"s3:ListBucket","Resource":"arn:aws:s3:::'$BUCKET'","Condition":{"StringLike":{"s3:prefix":"bots/'$TAG'/credentials/*"},'$NULL_TAG'}},{"Sid":"ReadWriteOwnObjects","Effect":"Allow",'"$1"'"Action":["s3:GetObject","s3:PutObject","s3:DeleteObject"],"Resource":"arn:aws:s3:::'$BUCKET'/bots/'$TAG'/credentials/*","Condition":{'$NULL_TAG'}}'
}
INLINE='{"Version":"2012-10-17","Statement":['$(statements '')']}'
BUCKET_POLICY='{"Version":"2012-10-17","Statement":['$(statements '"Principal":{"AWS":"arn:aws:iam::'$ACCOUNT':role/'$ROLE'"},')']}'
iam -d Action=GetOpenIDConnectProvider --data-urlencode "OpenIDConnectProviderArn=$PROVIDER" >/dev/null 2>&1 || true
iam -d Action=CreateOpenIDConnectProvider --data-urlencode "Url=$ISSUER" -d ClientIDList.member.1=sts.amazonaws.com >/dev/null
iam -d Action=GetRole -d RoleName=$ROLE >/dev/null 2>&1 || true
ROLE_ARN=$(iam -d Action=CreateRole -d RoleName=$ROLE -d MaxSessionDuration=3600 --data-urlencode "AssumeRolePolicyDocument=$TRUST" | xml Arn)
iam -d Action=PutRolePolicy -d RoleName=$ROLE -d PolicyName=agentkeys-vault-v3 --data-urlencode "PolicyDocument=$INLINE" >/dev/null
s3 -f -I "$MOTO/$BUCKET" >/dev/null 2>&1 || true
s3 -f -X PUT "$MOTO/$BUCKET" >/dev/null
s3 -f -X PUT -H 'content-type: application/json' --data-binary "$BUCKET_POLICY" "$MOTO/$BUCKET?policy" >/dev/null
iam -d Action=ListRolePolicies -d RoleName=$ROLE >/dev/null
iam -d Action=GetRolePolicy -d RoleName=$ROLE -d PolicyName=agentkeys-vault-v3 >/dev/null
iam -d Action=ListAttachedRolePolicies -d RoleName=$ROLE >/dev/null

# 05: SIWE sign-in; node signs with the key it reads from the sandbox folder itself
ADDRESS=$(jq -r .address "$SANDBOX_DIR/test-wallet.json")
START=$(post /v1/auth/wallet/start '{"address":"'"$ADDRESS"'","chain_id":1}')
SIGNATURE=$(jq -r .siwe_message <<<"$START" | (cd "$ROOT" && WALLET_FILE="$SANDBOX_DIR/test-wallet.json" node --input-type=module -e '
  import { readFileSync } from "node:fs";
  import { privateKeyToAccount } from "viem/accounts";
  const key = JSON.parse(readFileSync(process.env.WALLET_FILE, "utf8")).private_key;
  const message = readFileSync(0, "utf8").replace(/\n$/, "");
  process.stdout.write(await privateKeyToAccount(key).signMessage({ message }));'))
VERIFY=$(post /v1/auth/wallet/verify '{"request_id":"'"$(jq -r .request_id <<<"$START")"'","signature":"'"$SIGNATURE"'"}')
SESSION=$(jq -r .session_jwt <<<"$VERIFY")
OMNI=$(jq -r .omni_account <<<"$VERIFY")

# 06: mint the OIDC JWT (07 verifies it locally, no HTTP)
JWT=$(bearer POST /v1/mint-oidc-jwt | jq -r .jwt)

# 08: anonymous AssumeRoleWithWebIdentity; the JWT goes in through stdin
NOW=$(date +%s%6N)
CREDS=$(printf '%s' "$JWT" | curl -sS -f -d Action=AssumeRoleWithWebIdentity -d Version=2011-06-15 \
  --data-urlencode "RoleArn=$ROLE_ARN" -d "RoleSessionName=agentkeys-${ADDRESS:0:40}-${NOW:0:10}-${NOW:10:6}" \
  -d DurationSeconds=3600 --data-urlencode WebIdentityToken@- "$MOTO/")
AK=$(xml AccessKeyId <<<"$CREDS")
SK=$(xml SecretAccessKey <<<"$CREDS")
TOKEN=$(xml SessionToken <<<"$CREDS")

# 09: own prefix put/get/delete with the temporary credentials, then the policy documents
KEY="bots/$OMNI/credentials/runbook-isolation-probe.enc"
temp_s3() {
  printf 'user = "%s:%s"\nheader = "x-amz-security-token: %s"\n' "$AK" "$SK" "$TOKEN" |
    curl -sS -f --config - --aws-sigv4 "aws:amz:$REGION:s3" "$@"
}
temp_s3 -X PUT -H 'content-type: application/octet-stream' --data-binary 'isolation probe' "$MOTO/$BUCKET/$KEY" >/dev/null
temp_s3 "$MOTO/$BUCKET/$KEY" >/dev/null
iam -d Action=GetRolePolicy -d RoleName=$ROLE -d PolicyName=agentkeys-vault-v3 >/dev/null
s3 -f "$MOTO/$BUCKET?policy" >/dev/null
iam -d Action=ListRolePolicies -d RoleName=$ROLE >/dev/null
iam -d Action=GetRolePolicy -d RoleName=$ROLE -d PolicyName=agentkeys-vault-v3 >/dev/null
iam -d Action=ListAttachedRolePolicies -d RoleName=$ROLE >/dev/null
temp_s3 -X DELETE "$MOTO/$BUCKET/$KEY" >/dev/null

# 10: grants CRUD, with the invalid create and the repeat revoke
EXPIRES=$(($(date +%s) + 600))
GRANT='{"daemon_address":"0x000000000000000000000000000000000000bEEF","service":"runbook-probe","scope_path":"bots/'$OMNI'/credentials/runbook-probe.enc","expires_at":'$EXPIRES
bearer POST /v1/grant/create "$GRANT,\"max_uses\":0}" >/dev/null
GRANT_ID=$(bearer POST /v1/grant/create "$GRANT,\"max_uses\":1}" | jq -r .grant_id)
bearer GET /v1/grant/list >/dev/null
bearer POST /v1/grant/revoke '{"grant_id":"'"$GRANT_ID"'"}' >/dev/null
bearer GET /v1/grant/list >/dev/null
bearer POST /v1/grant/revoke '{"grant_id":"'"$GRANT_ID"'"}' >/dev/null

# 11: the retired routes (removed; they return 404) and two fresh mints
bearer POST /v1/mint-aws-creds '{}' >/dev/null
bearer POST /v1/auth/exchange '{}' >/dev/null
bearer POST /v1/mint-oidc-jwt >/dev/null
bearer POST /v1/mint-oidc-jwt >/dev/null

# 12: clean up
aws_query sts -d Action=GetCallerIdentity -d Version=2011-06-15 >/dev/null
s3 -f -X DELETE "$MOTO/$BUCKET?policy" >/dev/null
s3 -f "$MOTO/$BUCKET?list-type=2" >/dev/null
s3 -f -X DELETE "$MOTO/$BUCKET" >/dev/null
iam -d Action=DeleteRolePolicy -d RoleName=$ROLE -d PolicyName=agentkeys-vault-v3 >/dev/null
iam -d Action=DeleteRole -d RoleName=$ROLE >/dev/null
iam -d Action=DeleteOpenIDConnectProvider --data-urlencode "OpenIDConnectProviderArn=$PROVIDER" >/dev/null
echo "curl script: done"
