#!/bin/bash -eu
# build.sh builds mqttcert's fuzz targets the OSS-Fuzz way: with $CXX $CXXFLAGS, linked
# with $LIB_FUZZING_ENGINE, into $OUT, each beside <target>_seed_corpus.zip (made flat from
# corpora/<target>/), <target>.dict and <target>.options. No CMake needed.
# Run from the repository root (OSS-Fuzz does: WORKDIR is $SRC/mqttcert).
# $CXXFLAGS and $LIB_FUZZING_ENGINE hold several flags, so they are left unquoted.
# shellcheck disable=SC2086

src="$PWD"
if [ ! -f "$src/codec/packet_codec.hpp" ]; then
  echo "build.sh: run me from the mqttcert repository root" >&2
  exit 1
fi
work="${WORK:-$(mktemp -d)}/mqttcert"
mkdir -p "$work" "$OUT"

# The codec library: every codec/*.cpp except the unit tests.
objects=()
for source in "$src"/codec/*.cpp; do
  case "$source" in *_test.cpp) continue ;; esac
  object="$work/$(basename "${source%.cpp}").o"
  $CXX $CXXFLAGS -std=c++20 -I"$src" -c "$source" -o "$object"
  objects+=("$object")
done
rm -f "$work/libmqtt_codec.a"
ar rcs "$work/libmqtt_codec.a" "${objects[@]}"

for target in decode_packet_fuzzer framer_fuzzer topic_filter_fuzzer; do
  $CXX $CXXFLAGS -std=c++20 -I"$src" "$src/fuzz/$target.cpp" "$work/libmqtt_codec.a" \
    $LIB_FUZZING_ENGINE -o "$OUT/$target"
  cp "$src/fuzz/$target.dict" "$src/fuzz/$target.options" "$OUT/"
  rm -f "$OUT/${target}_seed_corpus.zip"
  (cd "$src/corpora/$target" && zip -q -j "$OUT/${target}_seed_corpus.zip" ./*)
done
