#!/usr/bin/env bash
# Prepares .devkit/ (kept out of git) for `npm run check:gpu` on a lent GPU machine, which has no Node, no
# node_modules, no ../shared: Node itself (../shared/device/pack-node), the test runner's modules and csv-parse,
# torch_steps.py and Fashion-MNIST (the step benchmarks' data). About 60 MB with build/Release and dist/, under the device tool's
# 64 MiB of carried folders. Run from a built checkout (npm install; npm run build:ts); then, with the device tool,
#   carry: [".devkit", "build/Release", "dist"]
#   command: bash scripts/gpu-kit.sh --run
# which unpacks Node, links the modules and runs the check, its report in $OUT/gpu-check.json.
set -euo pipefail
root=$(git rev-parse --show-toplevel 2>/dev/null || pwd)
cd "$root"

if [[ ${1:-} == --run ]]; then
  if command -v xz > /dev/null; then xz -dc .devkit/node.xz > /tmp/node
  else python3 -c "import lzma, shutil; shutil.copyfileobj(lzma.open('.devkit/node.xz'), open('/tmp/node', 'wb'))"; fi
  chmod +x /tmp/node
  export PATH=/tmp:$PATH
  [[ -e node_modules ]] || ln -s .devkit/node_modules node_modules
  export SEMIGEN_DATA=$root/.devkit/data SEMIGEN_ANCHORS=$root/.devkit/anchors
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
  exec node scripts/check-gpu.mjs --out "${OUT:-/tmp}/gpu-check.json"
fi

shared=${SEMIGEN_SHARED:-$root/../shared}
[[ -f build/Release/semigen.node && -d dist ]] || { echo "gpu-kit: build first (npm install; npm run build:ts)" >&2; exit 1; }
bash "$shared/device/pack-node" > /dev/null
mkdir -p .devkit/node_modules .devkit/anchors .devkit/data/fashion-mnist
for m in uvu dequal diff kleur sade mri csv-parse; do
  [[ -d node_modules/$m ]] && cp -r "node_modules/$m" .devkit/node_modules/
done
cp "$shared/anchors/torch_steps.py" .devkit/anchors/
cp "$shared"/data/fashion-mnist/*-ubyte.gz .devkit/data/fashion-mnist/
du -sh .devkit build/Release dist
