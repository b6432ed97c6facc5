#!/usr/bin/env bash
# Installs what the build, the demo and the tests need on a Debian machine, each piece only when it is missing:
#   - docker-registry (Debian's, the OCI registry the tests and the demo start on free ports), when
#     /usr/bin/docker-registry is missing;
#   - python3-boto3 (Debian's boto3 for Debian's /usr/bin/python3), when its package folder is missing: the tests run
#     the samples' own upload code with it against s3rver;
#   - nodejs + npm (Debian's), only when there is no node at all. A node that is there is never replaced or
#     downgraded: nodesource's nodejs bundles npm and *conflicts* with Debian's npm package, so asking apt for
#     `nodejs npm` on such a machine fails ("nodejs : Conflicts: npm"). A node without npm is an error that says so.
#   - s3rver and @actions/workflow-parser (npm, pinned in tests/servers/package.json), when node_modules lacks one.
#
#   build/install-prerequisites.sh          install what is missing (root for apt; prints what it does)
#   build/install-prerequisites.sh --plan   print the apt packages it would install, one line, and change nothing
#
# KAPTAIN_PREREQ_ROOT (tests only) prefixes the paths it checks, so that a test can ask for the plan of a machine
# without docker-registry, boto3 or node, in a throwaway directory; PATH decides which node/npm it sees.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
prefix="${KAPTAIN_PREREQ_ROOT:-}"
mode=install
case "${1:-}" in
  --plan) mode=plan ;;
  "") ;;
  *) echo "usage: $0 [--plan]" >&2; exit 2 ;;
esac

packages=()
[ -x "$prefix/usr/bin/docker-registry" ] || packages+=(docker-registry)
[ -d "$prefix/usr/lib/python3/dist-packages/boto3" ] || packages+=(python3-boto3)
if ! command -v npm >/dev/null 2>&1; then
  if command -v node >/dev/null 2>&1; then
    echo "node $(node --version 2>/dev/null) is installed without npm ($(command -v node)). Install the npm that belongs" \
      "to that node (nodesource's nodejs package bundles it); Debian's npm package would replace your node." >&2
    exit 1
  fi
  packages+=(nodejs npm)
fi

if [ "$mode" = plan ]; then
  echo "${packages[*]:-}"
  exit 0
fi

if [ ${#packages[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "Needs Debian's ${packages[*]}: sudo apt-get install -y --no-install-recommends ${packages[*]}" >&2
    exit 1
  fi
  echo "Installing ${packages[*]} (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${packages[@]}"
fi

# The docker-registry package enables a service on :5000 where systemd runs: keep it off, the tests and the demo start
# their own instances on free ports.
if [[ " ${packages[*]:-} " == *" docker-registry "* ]] && command -v systemctl >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
  systemctl disable --now docker-registry >/dev/null 2>&1 || true
fi

# tests/servers/package.json also pins GitHub's workflow parser, which checks the CI samples.
if [ ! -d "$root/tests/servers/node_modules/s3rver" ] || [ ! -d "$root/tests/servers/node_modules/@actions/workflow-parser" ]; then
  echo "Installing s3rver and the workflow parser (npm ci --prefix tests/servers)"
  npm ci --prefix "$root/tests/servers" --no-audit --no-fund --loglevel=error
fi
