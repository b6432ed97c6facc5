#!/usr/bin/env bash
# The repository's build, for people and CI: installs what the build and the tests need on a fresh Debian machine
# (the .NET SDK from global.json must be there), then runs build/build.cake with the Cake tool of the local manifest.
#
#   ./build.sh --target=Demo    a sample model's whole lifecycle against the local cluster
#   ./build.sh --target=Test    the tests (the command .ci/run runs)
#   ./build.sh --target=Pack    the Kaptain.Build and Cake.Kaptain packages, in artifacts/packages/
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# The OCI registry the tests and the demo start on free ports. The package also enables a service on :5000: keep it
# off, we start our own instances.
if [ ! -x /usr/bin/docker-registry ] || ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "Needs Debian's docker-registry and npm: sudo apt-get install -y docker-registry nodejs npm" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends docker-registry nodejs npm
fi
if command -v systemctl >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
  systemctl disable --now docker-registry >/dev/null 2>&1 || true
fi

# s3rver, the S3 server (tests/servers/package.json pins it).
if [ ! -d tests/servers/node_modules/s3rver ]; then
  npm ci --prefix tests/servers --no-audit --no-fund --loglevel=error
fi

dotnet tool restore >/dev/null
exec dotnet cake build/build.cake "$@"
