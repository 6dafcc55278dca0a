#!/bin/bash -eu
# local-build.sh runs build.sh as OSS-Fuzz's base-builder would (ASan + UBSan, libFuzzer),
# with this machine's clang-14 instead of the Docker image, then runs every target for
# SMOKE_SECONDS (default 3) over its unpacked seed corpus: a target that crashes on its
# seeds or in those seconds fails the script. Run from the repository root.
# Usage: fuzz/oss-fuzz/local-build.sh [OUT]       (OUT defaults to build/oss-fuzz/out)
# OSS-Fuzz itself builds against libc++ (-stdlib=libc++); this uses the system libstdc++.
# shellcheck disable=SC2086
# -eu again here: the shebang's flags are lost when the script is run as `bash local-build.sh`.
set -eu

src="$PWD"
if [ ! -f "$src/fuzz/targets.tsv" ]; then
  echo "local-build.sh: run me from the mqttcert repository root" >&2
  exit 1
fi
flags="-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address,undefined"
flags+=" -fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link"
export CC=clang-14 CXX=clang++-14 CFLAGS="$flags" CXXFLAGS="$flags"
export LIB_FUZZING_ENGINE=-fsanitize=fuzzer SANITIZER=address FUZZING_ENGINE=libfuzzer
export OUT="${1:-$src/build/oss-fuzz/out}" WORK="${WORK:-$src/build/oss-fuzz/work}"
export SRC="$src"
mkdir -p "$OUT" "$WORK"
bash "$src/fuzz/oss-fuzz/build.sh"

# Smoke run: every target listed, each with its dictionary, options and seeds.
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
failed=()
while IFS=$'\t' read -r name _; do
  case "$name" in '#'* | '') continue ;; esac
  for f in "$OUT/$name" "$OUT/$name.dict" "$OUT/$name.options" "$OUT/${name}_seed_corpus.zip"; do
    [ -f "$f" ] || { echo "local-build.sh: $f is missing" >&2; failed+=("$name"); }
  done
  corpus="$WORK/smoke/$name"
  rm -rf "$corpus" && mkdir -p "$corpus"
  unzip -q -o "$OUT/${name}_seed_corpus.zip" -d "$corpus"
  max_len="$(sed -n 's/^max_len = //p' "$OUT/$name.options")"
  if "$OUT/$name" -max_total_time="${SMOKE_SECONDS:-3}" -dict="$OUT/$name.dict" \
      -max_len="$max_len" -print_final_stats=1 -artifact_prefix="$WORK/smoke/$name-" "$corpus" \
      >"$WORK/smoke/$name.log" 2>&1; then
    echo "ok      $name ($(grep -o 'stat::number_of_executed_units: [0-9]*' "$WORK/smoke/$name.log" \
      | grep -o '[0-9]*$' || echo '?') runs)"
  else
    echo "FAILED  $name (log: $WORK/smoke/$name.log)"
    failed+=("$name")
  fi
done <"$src/fuzz/targets.tsv"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "local-build.sh: failed: ${failed[*]}" >&2
  exit 1
fi
echo "local-build.sh: every target built and ran"
