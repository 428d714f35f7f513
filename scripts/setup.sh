#!/usr/bin/env bash
# Prepares a fresh machine: npm packages, Debian's Chromium for the browser tests, ripgrep for the
# checker benchmark; reports whether moto (the AWS emulator the sandbox uses) is available.
set -euo pipefail
cd "$(dirname "$0")/.."

major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -lt 20 ]; then
  echo "setup: Node.js 20 or newer is needed (found: $(node --version 2>/dev/null || echo none)). Install Node 20 and run again." >&2
  exit 2
fi

npm ci --loglevel=warn --no-fund --no-audit
# The drift checker runs as plain JavaScript (dist/drift/); npm's prepare builds it too, unless scripts are off.
npm run build --silent

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v rg >/dev/null 2>&1 || missing+=(ripgrep)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: missing Debian packages: ${missing[*]} — install them with: sudo apt-get install -y ${missing[*]}" >&2
  fi
fi

if command -v moto_server >/dev/null 2>&1 || python3 -c 'import moto.server' >/dev/null 2>&1; then
  echo "setup: moto found; the sandbox will emulate STS, IAM and S3."
else
  echo "setup: moto not found; the sandbox starts without it and the AWS steps are skipped. Install it with: pip install 'moto[server]'"
fi
echo "setup: done."
