#!/bin/bash
# The two GPU calls that trained seg10 (stop 27; resources/weights/MODEL_CARD.md), as they ran on one H200.
# Prepared here: the packed data and the stop-26 checkpoints the runs continue, in a folder that travels
# (ignored by git, named in the device call's `carry`):
#   python -m training.cache --pack data/cache/seg --out .gpu/pack --n 16000
#   git show 15c22ce:training/checkpoints/seg_width32_stop26.pt > .gpu/seg_width32_stop26.pt
#   git show 15c22ce:resources/weights/seg.pt > .gpu/seg8.pt
#   python - <<< "import torch; ck = torch.load('runs/seg9/best.pt', weights_only=False); ck.pop('optimizer');
#   ck['model'] = {k: v.half() for k, v in ck['model'].items()}; torch.save(ck, '.gpu/seg_width24_seg9.pt')"
# There: `MINUTES=7 bash scripts/gpu_runs_stop27.sh first`, then, with seg_w32.pt copied back into .gpu/,
# `MINUTES=3 bash scripts/gpu_runs_stop27.sh second`. Results (checkpoints in half precision, logs) in $OUT.
# Here, a CPU dry run of the same commands: `OUT=/tmp/dry PY=.venv/bin/python DRY=--dry-run bash ... first`.
cd "$(dirname "$0")/.." || exit 1
export PYTHONUNBUFFERED=1 OMP_NUM_THREADS=4
: "${OUT:?set OUT to the folder for the results}"
PY=${PY:-python3}
run() { $PY scripts/train_seg_gpu.py --data .gpu/pack --out "$OUT" --minutes "${MINUTES:-7}" --variant segnet $DRY "$@"; }
case "$1" in
first)  # three runs at once, one process each, sharing the GPU
    run --name w16 --init .gpu/seg8.pt > /tmp/w16.out 2>&1 &
    run --name w24 --init .gpu/seg_width24_seg9.pt > /tmp/w24.out 2>&1 &
    run --name w32 --init .gpu/seg_width32_stop26.pt > /tmp/w32.out 2>&1 &
    wait
    for f in /tmp/w16.out /tmp/w24.out /tmp/w32.out; do echo "== $f"; grep -v "it/s\|s/it" "$f" | tail -25; done ;;
second)  # the best of the three continued alone, at half the peak rate
    run --name w32b --init .gpu/seg_w32.pt --lr 5e-4 2>&1 | grep -v "it/s\|s/it" ;;
*)  echo "usage: OUT=DIR bash scripts/gpu_runs_stop27.sh first|second"; exit 2 ;;
esac
