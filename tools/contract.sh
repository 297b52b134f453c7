#!/usr/bin/env bash
# The proto contract's gate.
#   tools/contract.sh lint      buf lint (style, comments) of protos/
#   tools/contract.sh breaking  buf breaking of protos/ against the released image: a client built on the released
#                               contract must keep working (wire and generated-code compatibility, buf's FILE rules)
#   tools/contract.sh check     both
#   tools/contract.sh baseline  release: rewrite the image the breaking check compares against (a reviewed step;
#                               commit the image together with the proto change that it releases)
# The image lives at protos/released.binpb: buf's module inputs are .proto files only, so it is not part of the module
# (`buf ls-files protos` lists no .binpb). PROTO_MODULE and CONTRACT_BASELINE override both paths (tests use them).
set -euo pipefail
cd "$(dirname "$0")/.."

BUF=${BUF:-.venv/bin/buf}
MODULE=${PROTO_MODULE:-protos}
BASELINE=${CONTRACT_BASELINE:-protos/released.binpb}

lint() {
    "$BUF" lint "$MODULE"
}

breaking() {
    if [[ ! -f "$BASELINE" ]]; then
        echo "contract: no released image at $BASELINE; run 'tools/contract.sh baseline' to release one" >&2
        exit 1
    fi
    if ! "$BUF" breaking "$MODULE" --against "$BASELINE"; then
        echo "contract: breaking change against the released contract ($BASELINE)." >&2
        echo "Make it compatible (add, don't change: new field numbers, new RPCs, reserved for removals)," >&2
        echo "or make it a new package version (gongji.*.v2)." >&2
        exit 1
    fi
}

baseline() {
    lint  # never release a contract that fails its own style check
    if [[ -f "$BASELINE" ]] && ! "$BUF" breaking "$MODULE" --against "$BASELINE" >/dev/null 2>&1; then
        echo "contract: NOTE this release breaks the previous one (see 'tools/contract.sh breaking' before it)." >&2
    fi
    "$BUF" build "$MODULE" -o "$BASELINE"
    echo "contract: released $MODULE as $BASELINE; commit it with the proto change"
}

case "${1:-}" in
    lint) lint ;;
    breaking) breaking ;;
    check) lint && breaking ;;
    baseline) baseline ;;
    *)
        echo "usage: tools/contract.sh lint|breaking|check|baseline" >&2
        exit 2
        ;;
esac
