#!/usr/bin/env bash
# Regenerates the tray variants from ../icons/64x64.png: the app icon with a status badge in the
# lower right corner. Shape differs as well as colour (status is never colour alone):
# ok = green dot, warning = amber triangle, error = red dot with a white bar.
set -euo pipefail
cd "$(dirname "$0")"
IM=/usr/bin/convert   # the real ImageMagick (see shared NOTES: /usr/local/bin/convert is not)
base=../64x64.png
$IM "$base" -fill '#1f9d55' -stroke white -strokewidth 3 -draw 'circle 48,48 48,35' ok.png
$IM "$base" -fill '#f0a000' -stroke white -strokewidth 3 -draw 'polygon 48,31 63,61 33,61' \
    -fill white -stroke none -draw 'rectangle 46,40 50,52' -draw 'rectangle 46,55 50,58' warning.png
$IM "$base" -fill '#d62c2c' -stroke white -strokewidth 3 -draw 'circle 48,48 48,35' \
    -fill white -stroke none -draw 'rectangle 40,45 56,51' error.png
