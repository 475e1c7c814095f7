#!/usr/bin/env bash
# Install headless Chromium and a font with full Vietnamese coverage for tests/test_browser.py.
# Idempotent: does nothing when everything is already present. Uses sudo only when not root.
# Exit status is non-zero (with a reason on stderr) when installation fails.
set -euo pipefail

PACKAGES=(chromium fonts-dejavu-core fonts-noto-core)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ] && [ -x /usr/bin/chromium ]; then
  echo "install-chromium: already installed ($(/usr/bin/chromium --version 2>/dev/null || echo chromium))"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo -n)   # non-interactive: fail with a message rather than hang on a password prompt
else
  echo "install-chromium: not root and sudo is not available; install as root: apt-get install -y ${missing[*]}" >&2
  exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-chromium: apt-get not found (Debian/Ubuntu expected); install chromium manually" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-chromium: installing ${missing[*]}"
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"

if [ ! -x /usr/bin/chromium ]; then
  echo "install-chromium: apt-get finished but /usr/bin/chromium is missing" >&2
  exit 1
fi
echo "install-chromium: done ($(/usr/bin/chromium --version 2>/dev/null || echo chromium))"
