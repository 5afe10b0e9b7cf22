#!/usr/bin/env bash
# Debian's Chromium for the browser tests (Playwright never downloads a browser here).
set -u
if [ ! -x /usr/bin/chromium ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null || echo "could not install chromium: browser tests will fail"
fi
/usr/bin/chromium --version 2>/dev/null || true
