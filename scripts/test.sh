#!/usr/bin/env bash
# Installs everything, then runs every test: pytest, ruff, typecheck, lint, module boundaries, vitest, the build checks (single ORT, main chunk without Ajv), the precision and side-by-side bench smokes, Playwright e2e.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh node python chromium

step() { printf '\n\033[1;34m== %s ==\033[0m\n' "$*"; }

step "pytest (model-export)"
(cd model-export && .venv/bin/python -m pytest -q tests)

step "ruff (model-export)"
(cd model-export && .venv/bin/ruff check model_export tests)

step "typecheck"
npx tsc -b

step "lint (ESLint: typescript-eslint type-aware, React Hooks)"
npx eslint .

step "module boundaries (dependency-cruiser: layers, one importer per runtime package, no Ajv on the main thread)"
npm run --silent check:deps

step "vitest"
npx vitest run

step "production build + single ONNX Runtime check + no Ajv in the main-thread chunk"
npx vite build
node scripts/check-single-ort.mjs dist
node scripts/check-main-chunk.mjs dist

step "precision bench smoke (fixture, 1 round; no figure asserted, the run must complete)"
bench_tmp=$(mktemp -d)
node bench/precision.mjs --bundles fixture --texts 4 --rounds 1 --out "$bench_tmp/precision.md" --json "$bench_tmp/precision.json"
rm -rf "$bench_tmp"

step "side-by-side bench smoke (fixture: the app's worker, Transformers.js, native ORT, a 40-row UI run; no figure asserted, the run must complete)"
node bench/bench.mjs --smoke

step "Playwright e2e (Chromium: wasm and webgpu projects)"
# A free port for vite preview, so a dev server or another run on 4173 cannot break the suite.
E2E_PORT=${E2E_PORT:-$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")}
export E2E_PORT
npx playwright test
