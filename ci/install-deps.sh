#!/usr/bin/env bash
# install-deps.sh installs the Debian 12 packages mqttcert builds and tests with.
# Idempotent: it runs apt-get only for what is missing, so a second run is instant.
set -euo pipefail

packages=(
  cmake ninja-build ccache gcc g++-12 pkg-config git openssl ca-certificates
  libnng-dev libmbedtls-dev
  libpaho-mqttpp-dev libpaho-mqtt-dev
  librapidcheck-dev libgtest-dev libgmock-dev libbenchmark-dev
  libboost-dev libcli11-dev nlohmann-json3-dev libssl-dev
  clang-14 libclang-rt-14-dev libfuzzer-14-dev
  mosquitto mosquitto-clients
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages (${missing[*]}); run as root or install them" >&2
  exit 2
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
