#!/usr/bin/env bash
# Builds the VS Code extension into syncproof-VERSION.vsix from a clean tree:
# the locked dependencies (npm ci), the TypeScript (npm run compile), then the
# package (@vscode/vsce). Run from anywhere; .ci/run runs it, then `npm test`.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
npm run compile
# no `repository` in package.json: the project has no public URL to name yet
npx vsce package --allow-missing-repository </dev/null
