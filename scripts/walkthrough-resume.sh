#!/usr/bin/env bash
# Fault-and-resume walk-through on 40 real cells (configs/resume-40.yaml): the local SmolLM2 GGUF
# generates one SIB-200 Welsh data product, 20 seeds plus 20 gold cells fine-tune MiniLM on CPU.
#   1. start the sweep on the embedded stack;
#   2. SIGKILL the worker mid-way (training in flight), show `status`, restart the worker;
#   3. meanwhile SIGKILL every trainer of seed 13 (as an out-of-memory killer would) as soon as it
#      starts, until its two cells fail: 5 attempts in a row without a new checkpoint
#      (training.maxAttemptsWithoutProgress) each;
#   4. the sweep finishes with those 2 failures; list them with the UI's query;
#   5. `resume` re-runs only those 2 cells and reuses the other 38.
# Every step prints what it did. Uses the stack of this checkout (.synthlab/).
set -euo pipefail
cd "$(dirname "$0")/.."
export SYNTHLAB_GPU_CONCURRENCY="${SYNTHLAB_GPU_CONCURRENCY:-2}"
sweep=resume-40
config=configs/resume-40.yaml
synthlab() { npx --no-install synthlab "$@"; }
say() { printf '\n== %s [%s]\n' "$*" "$(date -u +%H:%M:%S)"; }
cells_done() { synthlab sweep status "$sweep" | sed -n 's/^cells .* \([0-9]*\)\/[0-9]* done.*/\1/p'; }

bash scripts/setup.sh
say "stack up, sweep start"
synthlab up
synthlab sweep start "$config"

say "killing seed-13 trainers in the background (at most 10 kills: 5 attempts without progress x 2 cells)"
(
  kills=0
  while [ "$kills" -lt 10 ]; do
    for pid in $(pgrep -f 'synthlab_ml train-evaluate --config' || true); do
      config_file=$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | sed -n 's/.*--config \([^ ]*\).*/\1/p')
      if [ -n "$config_file" ] && grep -q '"seed": 13,' "$config_file" 2>/dev/null; then
        kill -9 "$pid" 2>/dev/null && kills=$((kills + 1)) && echo "[fault] SIGKILL trainer pid $pid (seed 13), kill $kills"
      fi
    done
    sleep 1
  done
) &
killer=$!

say "waiting for 6 finished cells"
until [ "$(cells_done)" -ge 6 ] 2>/dev/null; do sleep 10; done
until pgrep -f 'synthlab_ml train-evaluate --config' >/dev/null; do sleep 2; done
worker_pid=$(node -p 'JSON.parse(require("fs").readFileSync(".synthlab/worker.json","utf8")).pid')
say "SIGKILL worker $worker_pid while training runs"
kill -9 "$worker_pid"
sleep 5
synthlab sweep status "$sweep"

say "restarting the worker"
synthlab up
synthlab sweep status "$sweep"

say "waiting for the sweep to finish"
while synthlab sweep status "$sweep" | head -1 | grep -q RUNNING; do sleep 30; synthlab sweep status "$sweep" | grep -E '^(cells|data products|eta)'; done
synthlab sweep status "$sweep"
wait "$killer" || true

say "failed cells, as the UI query lists them"
ml/.venv/bin/temporal workflow list --address "$(node -p 'JSON.parse(require("fs").readFileSync(".synthlab/temporal-server.json","utf8")).address')" \
  --query "SweepId = 'sweep/$sweep' AND WorkflowType = 'cellWorkflow' AND CellStatus = 'failed'"

say "resume: only the failed cells run again"
synthlab sweep resume "$sweep"
while synthlab sweep status "$sweep" | head -1 | grep -q RUNNING; do sleep 15; done
synthlab sweep status "$sweep"
records=$(ls .synthlab/artifacts/sweeps/sweep_"$sweep"/cells/*.json | wc -l)
say "cell records: $records (one per cell)"
synthlab report "$sweep"
