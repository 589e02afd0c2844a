#!/usr/bin/env bash
# Builds FerretDB v1.24.2 into .cache/ferretdb (a no-op when it is already there), so tests start fast.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
npm run --silent engine:build
