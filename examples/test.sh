#!/usr/bin/env bash
# Builds pulumi-lakehouse, packs it and installs the tarball into the examples (npm workspaces under
# examples/, hoisted into examples/node_modules) the way another team's project installs it from a
# registry; then type checks each example against it and runs their tests.
set -euo pipefail
cd "$(dirname "$0")/.."

npm run build
mkdir -p examples/.pack
rm -f examples/.pack/*.tgz
tarball=$(npm pack --silent --pack-destination examples/.pack | tail -n 1)
mv "examples/.pack/$tarball" examples/.pack/pulumi-lakehouse.tgz
# A fresh copy of the package every run; --no-package-lock because the tarball changes every build.
rm -rf examples/node_modules/pulumi-lakehouse
(cd examples && npm install --no-package-lock --no-audit --no-fund --prefer-offline --loglevel=error)

for example in second-postgres-source streaming-core; do
    echo "tsc --noEmit -p examples/$example"
    npx tsc --noEmit -p "examples/$example"
done
npx mocha --config examples/.mocharc.json
