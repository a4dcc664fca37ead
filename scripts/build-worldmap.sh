#!/bin/sh
# Regenerates charts/worldmap_land.txt, the land outline the region map
# draws, from Natural Earth's 1:110m land (public domain) as packaged by npm's
# world-atlas. Build-time only: the result is committed, and the dashboard
# needs neither node nor these packages to run. The versions are pinned by
# scripts/worldmap/package-lock.json, which npm ci checks by integrity hash.
#
# Usage: scripts/build-worldmap.sh   (needs node and npm)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$root/scripts/worldmap
cd "$dir"
npm ci --no-audit --no-fund --silent
node build.mjs >"$root/charts/worldmap_land.txt.tmp"
mv "$root/charts/worldmap_land.txt.tmp" "$root/charts/worldmap_land.txt"
rm -rf "$dir/node_modules"
echo "build-worldmap: wrote charts/worldmap_land.txt"
