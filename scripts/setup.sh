#!/usr/bin/env bash
# Prepares a fresh machine: npm packages, Debian's Chromium for the browser tests, ripgrep for the
# checker benchmark, the tools the runbook's commands by hand use (curl, jq, openssl, sqlite3, the AWS CLI,
# systemd-analyze from systemd); reports whether moto (the AWS emulator the sandbox uses) is available. Under
# CI=true a missing moto stops it at once (exit 2): the suites that need it would fail anyway, later and less
# clearly.
set -euo pipefail
cd "$(dirname "$0")/.."

have_moto() {
  command -v moto_server >/dev/null 2>&1 || python3 -c 'import moto.server' >/dev/null 2>&1
}
moto_hint="install it with: pip install 'moto[server]'"
ci=false
case "${CI:-}" in "" | false | 0) ;; *) ci=true ;; esac

major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -lt 20 ]; then
  echo "setup: Node.js 20 or newer is needed (found: $(node --version 2>/dev/null || echo none)). Install Node 20 and run again." >&2
  exit 2
fi

if [ "$ci" = true ] && ! have_moto; then
  echo "setup: moto is not installed (no moto_server on PATH, no python3 module moto.server); $moto_hint" >&2
  exit 2
fi

npm ci --loglevel=warn --no-fund --no-audit
# The drift checker runs as plain JavaScript (dist/drift/); npm's prepare builds it too, unless scripts are off.
npm run build --silent

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v rg >/dev/null 2>&1 || missing+=(ripgrep)
# Each command, and the Debian package that brings it.
for pair in curl:curl jq:jq openssl:openssl sqlite3:sqlite3 aws:awscli systemd-analyze:systemd; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: missing Debian packages: ${missing[*]} — install them with: sudo apt-get install -y ${missing[*]}" >&2
  fi
fi
if [ "$ci" = true ] && [ ! -x /usr/bin/chromium ]; then
  echo "setup: Chromium is not installed (no /usr/bin/chromium); install it with: apt-get install -y chromium" >&2
  exit 2
fi

if have_moto; then
  echo "setup: moto found; the sandbox will emulate STS, IAM and S3."
else
  echo "setup: moto not found; the sandbox starts without it and the AWS steps and suites are skipped; $moto_hint"
fi
echo "setup: done."
