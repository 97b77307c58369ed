#!/usr/bin/env bash
# Installs everything, then runs every test: pytest, typecheck, vitest, the single-ORT build check, Playwright e2e.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh node python chromium

step() { printf '\n\033[1;34m== %s ==\033[0m\n' "$*"; }

step "pytest (model-export)"
(cd model-export && .venv/bin/python -m pytest -q tests)

step "typecheck"
npx tsc -b

step "vitest"
npx vitest run

step "production build + single ONNX Runtime check"
npx vite build
node scripts/check-single-ort.mjs dist

step "Playwright e2e (Chromium: wasm and webgpu projects)"
npx playwright test
