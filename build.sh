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

# docker-registry, node/npm and s3rver, each only when missing (see the script; it never replaces a node).
build/install-prerequisites.sh

dotnet tool restore >/dev/null
exec dotnet cake build/build.cake "$@"
