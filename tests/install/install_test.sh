#!/usr/bin/env bash
# Installs a built rmq tree into a temporary prefix, then configures, builds
# and runs tests/install/consumer against it with find_package(rmq): the
# embedding path the README promises.
#
#   install_test.sh BUILD_DIR [SOURCE_DIR]
set -euo pipefail

if [[ $# -lt 1 ]]; then
  echo "usage: $0 BUILD_DIR [SOURCE_DIR]" >&2
  exit 2
fi
BUILD_DIR=$(cd "$1" && pwd)
SOURCE_DIR=${2:-$(cd "$(dirname "$0")/../.." && pwd)}
GENERATOR=()
if command -v ninja >/dev/null; then GENERATOR=(-G Ninja); fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/rmq-install-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
PREFIX=$WORK/prefix

step() { echo "== $*"; }

step "cmake --install $BUILD_DIR --prefix $PREFIX"
cmake --install "$BUILD_DIR" --prefix "$PREFIX" >"$WORK/install.log" 2>&1 || {
  cat "$WORK/install.log" >&2
  echo "FAIL: cmake --install failed" >&2
  exit 1
}
# What a consumer relies on is there.
for f in include/rmq/store.h include/rmq/commitlog/record.h; do
  [[ -f $PREFIX/$f ]] || { echo "FAIL: $f not installed" >&2; exit 1; }
done
config=$(find "$PREFIX" -name rmqConfig.cmake -print -quit)
[[ -n $config ]] || { echo "FAIL: rmqConfig.cmake not installed" >&2; exit 1; }
lib=$(find "$PREFIX" -name 'librmqstore.*' -print -quit)
[[ -n $lib ]] || { echo "FAIL: librmqstore not installed" >&2; exit 1; }

step "configure the consumer with CMAKE_PREFIX_PATH=$PREFIX"
cmake -S "$SOURCE_DIR/tests/install/consumer" -B "$WORK/consumer-build" \
  "${GENERATOR[@]}" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_PREFIX_PATH="$PREFIX" \
  >"$WORK/configure.log" 2>&1 || {
  cat "$WORK/configure.log" >&2
  echo "FAIL: configuring the consumer failed" >&2
  exit 1
}

step "build the consumer"
cmake --build "$WORK/consumer-build" -j1 >"$WORK/build.log" 2>&1 || {
  cat "$WORK/build.log" >&2
  echo "FAIL: building the consumer failed" >&2
  exit 1
}
# It must have compiled against the installed headers, not the source tree.
if grep -rqF -- "$SOURCE_DIR/include" "$WORK/consumer-build/CMakeCache.txt" \
     "$WORK/consumer-build"/CMakeFiles/*/flags.make \
     "$WORK/consumer-build/build.ninja" 2>/dev/null; then
  echo "FAIL: the consumer used the source tree's headers" >&2
  exit 1
fi

step "run the consumer"
consumer=$(find "$WORK/consumer-build" -type f -name rmq_consumer -perm -u+x -print -quit)
"$consumer" "$WORK/store" >"$WORK/run.out" 2>&1 || {
  cat "$WORK/run.out" >&2
  echo "FAIL: the consumer exited $?" >&2
  exit 1
}
cat "$WORK/run.out"
grep -q '^OK .* hello, rmq$' "$WORK/run.out" || { echo "FAIL: no OK line" >&2; exit 1; }
[[ -d $WORK/store/commitlog ]] || { echo "FAIL: no store was written" >&2; exit 1; }
echo "ok - install.find_package_consumer"
