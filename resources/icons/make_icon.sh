#!/usr/bin/env bash
# Draws Danka's icon (one card with a falling loss curve) with ImageMagick: bash make_icon.sh > danka.png
set -euo pipefail
convert -size 256x256 xc:none \
  -fill '#2559bf' -stroke '#0f2a66' -strokewidth 6 -draw "roundrectangle 20,36 236,220 28,28" \
  -fill none -stroke white -strokewidth 12 -draw "stroke-linecap round stroke-linejoin round polyline 48,92 78,132 102,124 130,160 158,152 186,176 212,178" \
  -fill '#ffd24a' -stroke none -draw "circle 212,178 222,178" \
  png:-
