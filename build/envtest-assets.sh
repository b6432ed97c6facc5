#!/usr/bin/env bash
# Prints the envtest assets directory (etcd, kube-apiserver, kube-controller-manager v1.20.2) for the tests'
# real-control-plane tier, building it first when it is missing with ../shared/envtest/build.sh (root and apt; about
# 5 minutes once, cached in ~/.cache, instant afterwards). ./build.sh --target=Test exports it as KUBEBUILDER_ASSETS.
# Without the assets (no shared/ folder, not root) it prints nothing and says why on stderr: those tests are then
# reported as skipped with the reason. On CI (CI=true) a failed build fails.
set -euo pipefail
cd "$(dirname "$0")/.."

dir=${KAPTAIN_ENVTEST_DIR:-$HOME/.cache/kaptain-envtest/v1.20.2}
if [ -x "$dir/kube-apiserver" ] && [ -x "$dir/etcd" ]; then
  echo "$dir"
  exit 0
fi

shared=${KAPTAIN_SHARED_DIR:-../shared}
if [ ! -f "$shared/envtest/build.sh" ]; then
  echo "envtest: $shared/envtest/build.sh not found; the real-API-server tests will be skipped (see README, 'Testing against a real API server')." >&2
  [ "${CI:-}" = true ] && exit 1
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "envtest: building the assets needs root (apt-get): sudo $shared/envtest/build.sh; the real-API-server tests will be skipped." >&2
  exit 0
fi

echo "envtest: building kube-apiserver and kube-controller-manager v1.20.2 into $dir (once; log: $dir.log)" >&2
mkdir -p "$(dirname "$dir")"
if ! bash "$shared/envtest/build.sh" "$dir" >"$dir.log" 2>&1; then
  echo "envtest: $shared/envtest/build.sh failed; the end of $dir.log:" >&2
  tail -20 "$dir.log" >&2
  [ "${CI:-}" = true ] && exit 1
  exit 0
fi
echo "$dir"
