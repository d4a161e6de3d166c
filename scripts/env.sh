# Source this file (`source scripts/env.sh`) to use the toolchain that scripts/toolchain.sh built,
# offline: no plugin downloads, no update checks, a local file backend in .pulumi/ (git-ignored).
#   PATH                 $CACHE/toolchain/bin first: pulumi, pulumi-language-nodejs and
#                        pulumi-resource-pulumi-nodejs (the dynamic-provider host from @pulumi/pulumi)
#   PULUMI_HOME          $CACHE/pulumi-home, whose plugins/ holds the resource providers by version
#   PULUMI_BACKEND_URL   file://<repo>/.pulumi unless already set (tests keep their stacks elsewhere)
#   PULUMI_CONFIG_PASSPHRASE  defaults to the development passphrase "lakehouse-dev"; set it before
#                        sourcing to use your own (an empty value is kept).
# It sets no shell options, so it is safe to source from an interactive shell.
_lh_root="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)"
if [ -e "$_lh_root/.cache" ]; then _lh_cache="$_lh_root/.cache"; else _lh_cache="${LAKEHOUSE_CACHE_DIR:-/var/cache/pulumi-lakehouse}"; fi

case ":$PATH:" in
  *":$_lh_cache/toolchain/bin:"*) ;;
  *) PATH="$_lh_cache/toolchain/bin:$PATH" ;;
esac
export PATH
export PULUMI_HOME="$_lh_cache/pulumi-home"
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$_lh_root/.pulumi}"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-lakehouse-dev}"
mkdir -p "$PULUMI_HOME" "$_lh_root/.pulumi"
unset _lh_root _lh_cache
