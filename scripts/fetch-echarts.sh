#!/bin/sh
# Updates the vendored Apache ECharts bundle the explore view embeds
# (views/static/vendor/echarts.min.js, committed, with its LICENSE and
# NOTICE beside it). A clone already has it: run this only to move to
# another release, never as a build step.
#
# To update: set ECHARTS_VERSION to the release, ECHARTS_SHA256 to the
# SHA-256 of its dist/echarts.min.js (the script prints it when they
# differ), run it, check the explore view (go test ./e2e), commit. The
# test views/vendor_test.go checks the committed file against the SHA-256
# below, so the script, the file and the review cannot drift apart.
#
# Usage: scripts/fetch-echarts.sh        (needs npm; idempotent)
set -eu

ECHARTS_VERSION=6.1.0
ECHARTS_SHA256=b66b25aeb4df84e33199dc21694014d336d222cbd9deb0e5a7c14bd6aa0d0fd0

root=$(cd "$(dirname "$0")/.." && pwd)
vendor=$root/views/static/vendor
dest=$vendor/echarts.min.js

sha256() {
	if command -v sha256sum >/dev/null 2>&1; then
		sha256sum "$1" | cut -d' ' -f1
	else
		shasum -a 256 "$1" | cut -d' ' -f1
	fi
}

if [ -f "$dest" ] && [ "$(sha256 "$dest")" = "$ECHARTS_SHA256" ]; then
	echo "fetch-echarts: $dest is already echarts $ECHARTS_VERSION"
	exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
	echo "fetch-echarts: npm is not installed. Install Node.js (which ships npm) and run this again." >&2
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# npm pack downloads the package tarball from the registry (checking npm's
# own integrity hash) without running any install script.
(cd "$tmp" && npm pack --silent --ignore-scripts "echarts@$ECHARTS_VERSION" >/dev/null)
tar -xzf "$tmp/echarts-$ECHARTS_VERSION.tgz" -C "$tmp" \
	package/dist/echarts.min.js package/LICENSE package/NOTICE

got=$(sha256 "$tmp/package/dist/echarts.min.js")
if [ "$got" != "$ECHARTS_SHA256" ]; then
	echo "fetch-echarts: echarts $ECHARTS_VERSION dist/echarts.min.js has SHA-256 $got, want $ECHARTS_SHA256" >&2
	echo "fetch-echarts: if you are moving to $ECHARTS_VERSION on purpose, review it and set ECHARTS_SHA256=$got" >&2
	exit 1
fi

mkdir -p "$vendor"
# Apache-2.0 asks that the licence and notice travel with the code.
cp "$tmp/package/LICENSE" "$vendor/ECHARTS-LICENSE.txt"
cp "$tmp/package/NOTICE" "$vendor/ECHARTS-NOTICE.txt"
# Copy then rename, so a build never embeds half a file (go:embed skips
# dot files, so not the temporary one either).
cp "$tmp/package/dist/echarts.min.js" "$vendor/.echarts.min.js.tmp"
mv "$vendor/.echarts.min.js.tmp" "$dest"
echo "fetch-echarts: wrote $dest (echarts $ECHARTS_VERSION); commit it with this script"
