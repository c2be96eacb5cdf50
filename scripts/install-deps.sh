#!/usr/bin/env bash
# Installs every system package the project needs (Debian 12), and nothing else.
# Idempotent: packages already present are not downloaded again.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libabsl-dev liburing-dev libxxhash-dev zlib1g-dev
  catch2 libcli11-dev libspdlog-dev rapidjson-dev libasio-dev
  clang-format clang libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$p")
done

if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The end-to-end tests' real client (ali-ons) comes from npm, pinned by
# tests/e2e/package-lock.json; node and npm come from Debian when missing.
if ! command -v npm >/dev/null 2>&1; then
  echo "installing: nodejs npm"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm
fi

e2e="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/e2e"
if [ ! -d "$e2e/node_modules" ] ||
  [ "$e2e/package-lock.json" -nt "$e2e/node_modules/.package-lock.json" ]; then
  echo "installing: tests/e2e node modules (npm ci)"
  npm ci --prefix "$e2e" --no-audit --no-fund
fi
