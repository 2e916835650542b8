#!/bin/sh
# Debian packages the browser tests need: chromium (driven by Playwright's Python client,
# whose own browser download is unreachable here) and a CJK font, so screenshots show
# Chinese text rather than boxes. Idempotent and quick when both are present; as non-root
# without them it says so, and the browser tests skip with that reason.
missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
[ -d /usr/share/fonts/opentype/noto ] && ls /usr/share/fonts/opentype/noto | grep -q CJK || missing="$missing fonts-noto-cjk"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
    echo "installing Debian packages for the browser tests:$missing"
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null; }; then
        echo "could not install$missing; the browser tests will skip"
    fi
else
    echo "not root: cannot install$missing; the browser tests will skip (sudo apt-get install$missing)"
fi
