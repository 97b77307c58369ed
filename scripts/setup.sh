#!/usr/bin/env bash
# Installs everything the app and its tests need; safe to run again (each step skips when done).
# Usage: scripts/setup.sh [node] [python] [chromium]   (no argument: all three)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
want=${*:-node python chromium}

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

need_node() {
  command -v node >/dev/null || { echo "Node.js >= 20.19 is required (https://nodejs.org)"; exit 1; }
  local major; major=$(node -p 'process.versions.node.split(".")[0]')
  [ "$major" -ge 20 ] || { echo "Node.js >= 20.19 is required; found $(node --version)"; exit 1; }
  # npm ci only when the lock file changed since the last install.
  local stamp=node_modules/.setup-stamp want_sum
  want_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want_sum" ]; then
    log "node_modules up to date"
  else
    log "npm ci"
    # NOTE: onnxruntime-node (a dependency of @huggingface/transformers) tries to
    # download extra binaries in a postinstall step; the CPU binaries we use ship
    # inside the package. See ../shared/design/browser-stack-notes.md.
    ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
    echo "$want_sum" > "$stamp"
  fi
}

need_python() {
  local venv=model-export/.venv req=model-export/requirements.txt req_ray=model-export/requirements-ray.txt want_sum
  command -v python3 >/dev/null || { echo "Python >= 3.10 is required"; exit 1; }
  want_sum=$(cat "$req" "$req_ray" | sha256sum | cut -d' ' -f1)
  if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.setup-stamp" 2>/dev/null)" = "$want_sum" ]; then
    log "Python venv up to date"
    return
  fi
  if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    log "installing python3-venv"
    as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
  fi
  [ -x "$venv/bin/python" ] || { log "creating $venv"; python3 -m venv "$venv"; }
  log "pip install -r $req (torch is pinned to a CPU build; see the file)"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$req"
  log "pip install -r $req_ray (score: pyarrow, Ray Data)"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$req_ray"
  echo "$want_sum" > "$venv/.setup-stamp"
}

need_chromium() {
  if [ -x /usr/bin/chromium ]; then
    log "chromium present: $(/usr/bin/chromium --version 2>/dev/null | head -1)"
    return
  fi
  command -v apt-get >/dev/null || { echo "Install Chromium at /usr/bin/chromium (Debian/Ubuntu: apt-get install chromium)"; exit 1; }
  log "apt-get install chromium"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
}

for part in $want; do
  case "$part" in
    node) need_node ;;
    python) need_python ;;
    chromium) need_chromium ;;
    *) echo "unknown setup part: $part (node, python, chromium)"; exit 2 ;;
  esac
done
cd "$root"
