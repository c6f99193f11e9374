"""Mirror of the TypeScript fault test: SIGKILL a real `train` process, then resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import ML_ROOT, run_cli


def test_sigkill_then_resume(capsys, train_config, tmp_path: Path) -> None:
    # Long enough that the process is still training when we kill it.
    config_path = train_config(maxEpochs=1000, patience=1000)
    out = Path(json.loads(config_path.read_text())["output_dir"])
    ckpt_root = out / "checkpoints"
    stdout_path = tmp_path / "stdout.txt"
    env = {**os.environ, "SYNTHLAB_TORCH_THREADS": "1"}
    with stdout_path.open("w") as stdout:
        proc = subprocess.Popen([sys.executable, "-m", "synthlab_ml", "train", "--config", str(config_path)],
                                cwd=ML_ROOT, stdout=stdout, stderr=subprocess.DEVNULL, env=env)
        try:
            deadline = time.monotonic() + 120
            while not (ckpt_root / "epoch-1" / "trainer_state.json").is_file():
                assert proc.poll() is None, f"train exited early with {proc.returncode}"
                assert time.monotonic() < deadline, "no checkpoint within 120s"
                time.sleep(0.02)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert not (out / "train_result.json").exists()
    lines = [json.loads(line) for line in stdout_path.read_text().splitlines() if line.strip()]
    assert lines[0]["event"] == "start"  # stdout is pure JSON lines

    complete = sorted(int(p.name.split("-")[1]) for p in ckpt_root.glob("epoch-*")
                      if (p / "trainer_state.json").is_file())
    last = complete[-1]
    code, events, _ = run_cli(capsys, "train", "--config", str(train_config(maxEpochs=last + 1, patience=1000)))
    assert code == 0
    assert events[0]["resumed_from_epoch"] == last
    assert [e["epoch"] for e in events if e["event"] == "epoch"] == [last + 1]
    assert events[-1]["event"] == "done" and events[-1]["epochs_run"] == last + 1
    assert not list(ckpt_root.glob(".tmp-*"))  # leftovers of an interrupted write were cleaned
