#!/usr/bin/env bash
# Makes ./policies loadable by a CLI whose Node.js language host lacks RunPlugin (the minimal host
# scripts/toolchain.sh builds): the CLI then fails with "method RunPlugin not implemented". For a pack
# whose runtime has no language plugin, the CLI falls back to an analyzer plugin named
# `pulumi-analyzer-policy-<runtime>` (pkg/resource/plugin NewPolicyAnalyzer), which it starts in the
# pack's directory. So this writes, under <dir>:
#   <dir>/pack  the pack's files linked, PulumiPolicy.yaml with runtime `lakehouse-policy-node`
#   <dir>/bin   pulumi-analyzer-policy-lakehouse-policy-node: node @pulumi/pulumi/cmd/run-policy-pack
# Same pack code, same engine events; only the launch differs. Use:
#   bash tools/policy-pack-shim.sh "$dir" && PATH="$dir/bin:$PATH" pulumi preview --policy-pack "$dir/pack"
# With the upstream language host (RunPlugin), pass ./policies directly instead.
set -euo pipefail
dir=${1:?usage: policy-pack-shim.sh <dir>}
root="$(cd "$(dirname "$0")/.." && pwd)"
runtime=lakehouse-policy-node
rm -rf "$dir/pack" "$dir/bin"
mkdir -p "$dir/pack" "$dir/bin"
for f in "$root"/policies/*; do
    [ "$(basename "$f")" = PulumiPolicy.yaml ] || ln -s "$f" "$dir/pack/$(basename "$f")"
done
sed "s/^runtime: .*/runtime: $runtime/" "$root/policies/PulumiPolicy.yaml" >"$dir/pack/PulumiPolicy.yaml"
cat >"$dir/bin/pulumi-analyzer-policy-$runtime" <<SH
#!/bin/sh
exec node "$root/node_modules/@pulumi/pulumi/cmd/run-policy-pack" "\$@"
SH
chmod +x "$dir/bin/pulumi-analyzer-policy-$runtime"
