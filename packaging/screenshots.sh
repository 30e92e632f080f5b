#!/usr/bin/env bash
# Regenerates docs/screenshots/: the whole demo (pretraining and SFT) and a learning-rate variant of its
# pretraining (about 12 minutes on 2 cores) in a scratch workspace, then every page of the studio under Xvfb in
# English and Chinese (light theme) at 1440x900, the Runs and Chat pages in the dark theme, and the main pages
# at 1280x800 and 1024x700 in both languages (docs/screenshots/<size>/).
# Usage: bash packaging/screenshots.sh [BUILD_DIR]   (default: build)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
ws=$(mktemp -d)/ws
cli="$build/app/danka-cli"
"$cli" --workspace "$ws" demo
cat > "$ws/../lr.json" <<JSON
{"preset": "demo", "name": "demo-lr-3e-3",
 "optim": {"learning_rate": 0.003},
 "data": {"dataset": "$ws/datasets/demo-pretrain", "val_dataset": "$ws/datasets/demo-pretrain-val"}}
JSON
"$cli" --workspace "$ws" train --config "$ws/../lr.json"

out=$root/docs/screenshots
shoot() {  # language theme dir [WxH]
  xvfb-run -a -s "-screen 0 1600x1000x24" "$build/app/danka" --workspace "$ws" --lang "$1" --theme "$2" \
    --screenshots "$3" --screenshot-size "${4:-1440x900}"
}
shoot en light "$out"
shoot zh_CN light "$out"
dark=$(mktemp -d)
shoot en dark "$dark"
cp "$dark/runs-en.png" "$out/runs-dark-en.png"
cp "$dark/chat-en.png" "$out/chat-dark-en.png"
# The common smaller screens: the pages whose layout depends most on the size, in both languages.
for size in 1280x800 1024x700; do
  mkdir -p "$out/$size"
  for lang in en zh_CN; do
    tmp=$(mktemp -d)
    shoot "$lang" light "$tmp" "$size"
    for page in data tokenizer configure runs compare chat; do cp "$tmp/$page-$lang.png" "$out/$size/"; done
  done
done
echo "screenshots in $out (workspace $ws)"
