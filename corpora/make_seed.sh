#!/usr/bin/env bash
# make_seed.sh writes one seed file from hex into corpora/<target>/, named by the SHA-256
# of its content (so identical seeds collapse and names never collide).
# Usage: bash corpora/make_seed.sh "30 0C 0005 746F706963 68656C6C6F" decode_packet_fuzzer
# Spaces in the hex are ignored; prints the path written.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 HEX TARGET" >&2
  exit 2
fi
hex="${1//[[:space:]]/}"
target="$2"
if [[ ! "$hex" =~ ^([0-9A-Fa-f]{2})*$ ]]; then
  echo "make_seed: '$1' is not an even number of hex digits" >&2
  exit 2
fi
if [[ ! "$target" =~ ^[a-z0-9_]+$ ]]; then
  echo "make_seed: target '$target' must be a corpus folder name like decode_packet_fuzzer" >&2
  exit 2
fi

dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$target"
mkdir -p "$dir"
tmp="$(mktemp "$dir/.seed.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
escaped=""
for ((i = 0; i < ${#hex}; i += 2)); do escaped+="\\x${hex:i:2}"; done
printf '%b' "$escaped" >"$tmp"
name="$(sha256sum "$tmp" | cut -d' ' -f1)"
mv "$tmp" "$dir/$name"
trap - EXIT
echo "corpora/$target/$name"
