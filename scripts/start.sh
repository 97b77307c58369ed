#!/usr/bin/env bash
# Installs what the app needs, builds it and serves it on http://localhost:4173 with the embedded demo bundle.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh node
npm run build
echo
echo "Open http://localhost:4173 (Ctrl+C stops the server)."
exec npx vite preview --port "${PORT:-4173}" --strictPort
