#!/bin/bash -eu
# build.sh builds every fuzz target of fuzz/targets.tsv the OSS-Fuzz way: with $CXX
# $CXXFLAGS, linked with $LIB_FUZZING_ENGINE, into $OUT. No CMake needed. Beside each
# target it puts <target>.dict (the row's dictionary), <target>.options (max_len, dict)
# and <target>_seed_corpus.zip (corpora/<target>/ if present, plus corpora/regressions/,
# flat). The libraries a row names are built once each, as static archives of their
# folder's .cpp files (unit tests and files with a main() left out):
#   codec -> codec/   core -> reference-broker/core/   auth -> reference-broker/auth/
#   options -> reference-broker/ (broker_options.cpp)
# Any other name in the libraries column is a system library, linked as -l<name>.
# Run from the repository root (OSS-Fuzz does: WORKDIR is $SRC/mqttcert).
# $CXXFLAGS and $LIB_FUZZING_ENGINE hold several flags, so they are left unquoted.
# shellcheck disable=SC2086
# -eu again here: the shebang's flags are lost when the script is run as `bash build.sh`.
set -eu

shopt -s nullglob
src="$PWD"
if [ ! -f "$src/codec/packet_codec.hpp" ]; then
  echo "build.sh: run me from the mqttcert repository root" >&2
  exit 1
fi
work="${WORK:-$(mktemp -d)}/mqttcert"
mkdir -p "$work" "$OUT"

# Compiles run $JOBS at a time (default: every core), each in the background; spawn waits
# for the oldest when that many run, and a compile that fails stops the script when it is
# waited for (-e). OSS-Fuzz runs this script once per sanitizer, so each run gains.
max_jobs="${JOBS:-$(nproc)}"
running=()
spawn() {
  while [ "${#running[@]}" -ge "$max_jobs" ]; do
    wait "${running[0]}"
    running=("${running[@]:1}")
  done
  "$@" &
  running+=("$!")
}
wait_all() {
  local pid
  for pid in "${running[@]}"; do wait "$pid"; done
  running=()
}

# library_dir maps a libraries-column name to its source folder ("" if a system library).
library_dir() {
  case "$1" in
    codec) echo codec ;;
    core) echo reference-broker/core ;;
    auth) echo reference-broker/auth ;;
    options) echo reference-broker ;;  # broker_options.cpp (main.cpp has a main)
    *) echo "" ;;
  esac
}

# build_library compiles one folder into $work/lib<name>.a, once per run.
build_library() {
  local name="$1" dir="$2" archive="$work/lib$1.a"
  [ -f "$archive.done" ] && return 0
  local objects=() source object
  mkdir -p "$work/$name"
  for source in "$src/$dir"/*.cpp; do
    case "$source" in *_test.cpp) continue ;; esac
    grep -q '^int main(' "$source" && continue
    object="$work/$name/$(basename "${source%.cpp}").o"
    spawn $CXX $CXXFLAGS -std=c++20 -I"$src" -c "$source" -o "$object"
    objects+=("$object")
  done
  wait_all
  rm -f "$archive"
  ar rcs "$archive" "${objects[@]}"
  touch "$archive.done"
}
rm -f "$work"/*.a.done

built=0
while IFS=$'\t' read -r name source defines libraries dict max_len; do
  case "$name" in '#'* | '') continue ;; esac
  flags=()
  if [ "$defines" != "-" ]; then
    for d in $defines; do flags+=("-D$d"); done
  fi
  links=()
  for lib in $libraries; do
    dir="$(library_dir "$lib")"
    if [ -n "$dir" ]; then
      build_library "$lib" "$dir"
      links+=("$work/lib$lib.a")
    else
      links+=("-l$lib")
    fi
  done
  spawn $CXX $CXXFLAGS -std=c++20 -I"$src" "${flags[@]}" "$src/fuzz/$source" "${links[@]}" \
    $LIB_FUZZING_ENGINE -o "$OUT/$name"

  cp "$src/fuzz/$dict" "$OUT/$name.dict"
  printf '[libfuzzer]\nmax_len = %s\ndict = %s.dict\n' "$max_len" "$name" >"$OUT/$name.options"

  seeds=()
  [ -d "$src/corpora/$name" ] && seeds+=("$src/corpora/$name"/*)
  for f in "$src/corpora/regressions"/*; do
    case "$f" in *.md | *.tsv) ;; *) seeds+=("$f") ;; esac
  done
  rm -f "$OUT/${name}_seed_corpus.zip"
  if [ "${#seeds[@]}" -gt 0 ]; then
    zip -q -j "$OUT/${name}_seed_corpus.zip" "${seeds[@]}"
  fi
  built=$((built + 1))
done <"$src/fuzz/targets.tsv"
wait_all
echo "build.sh: built $built fuzz targets into $OUT"
