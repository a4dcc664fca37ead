#!/bin/sh
# Fetches Apache ECharts for the explore view from the npm registry and puts
# its minified bundle where views embeds it (views/static/vendor/, which git
# ignores). Run at build time, before `go build`: the dashboard then serves
# the script itself and pages never load code from a CDN.
#
# The version is pinned and the bundle's SHA-256 is checked, so a build gets
# exactly the file that was reviewed whatever the registry returns.
#
# Usage: scripts/fetch-echarts.sh        (needs npm; idempotent, offline once fetched)
set -eu

ECHARTS_VERSION=5.6.0
ECHARTS_SHA256=bf4a223524e40b77c304bec67e1222cf551f14880cf42c69dc046558e11c07b1

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
	echo "fetch-echarts: npm is not installed. Install Node.js (which ships npm) and run this again;" >&2
	echo "without it the dashboard still runs, and the explore view links to the SVG chart instead." >&2
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
echo "fetch-echarts: wrote $dest (echarts $ECHARTS_VERSION)"
