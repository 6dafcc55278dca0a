#!/usr/bin/env bash
# generate.sh rebuilds the seed corpora and the regression inputs from the codec.
#   1. mqttcert_make_seeds writes every seed it knows into a temporary folder per target,
#      and the regression inputs (with index.tsv) straight into corpora/regressions/.
#   2. For each target whose libFuzzer binary is built (build/fuzz/fuzz/<target>, preset
#      `fuzz`), the old corpus and the new seeds are merged into an empty folder with
#      `<target> -merge=1`, so only inputs that add coverage stay; the result replaces
#      corpora/<target>/. Without the binary the new seeds are copied in as they are.
#   3. Files are (re)named by the SHA-256 of their content, the corpora's convention.
# Usage (from anywhere):  bash corpora/generate.sh
# Environment: MQTTCERT_BUILD (default build/default) holds mqttcert_make_seeds, built
# here if missing; MQTTCERT_FUZZ_BUILD (default build/fuzz) holds the libFuzzer binaries.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MQTTCERT_BUILD:-$root/build/default}"
fuzz_build="${MQTTCERT_FUZZ_BUILD:-$root/build/fuzz}"
generator="$build/fuzz/seeds/mqttcert_make_seeds"

if [ ! -x "$generator" ]; then
  cmake --build "$build" -j1 --target mqttcert_make_seeds
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$generator" --seeds "$work/new" >"$work/counts"
"$generator" --regressions "$root/corpora/regressions"

# rename_by_sha256 DIR: name every file in DIR by the SHA-256 of its content.
rename_by_sha256() {
  local f name
  for f in "$1"/*; do
    [ -f "$f" ] || continue
    name="$(sha256sum "$f" | cut -d' ' -f1)"
    [ "$(basename "$f")" = "$name" ] || mv -f "$f" "$1/$name"
  done
}

printf '%-34s %8s %8s  %s\n' target seeds kept how
for new in "$work"/new/*/; do
  target="$(basename "$new")"
  corpus="$root/corpora/$target"
  fuzzer="$fuzz_build/fuzz/$target"
  mkdir -p "$corpus"
  if [ -x "$fuzzer" ]; then
    merged="$work/merged-$target"
    mkdir -p "$merged"
    "$fuzzer" -merge=1 "$merged" "$corpus" "$new" >"$work/merge-$target.log" 2>&1 || {
      echo "generate.sh: $target -merge=1 failed, see its log:" >&2
      tail -20 "$work/merge-$target.log" >&2
      exit 1
    }
    rename_by_sha256 "$merged"
    find "$corpus" -maxdepth 1 -type f -delete
    cp "$merged"/* "$corpus"/
    how=merged
  else
    cp "$new"* "$corpus"/
    how="copied (no libFuzzer binary)"
  fi
  printf '%-34s %8s %8s  %s\n' "$target" "$(find "$new" -type f | wc -l)" \
    "$(find "$corpus" -type f | wc -l)" "$how"
done
