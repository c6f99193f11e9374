"""Preemption: SIGTERM checkpoints the step reached, SIGKILL costs at most `checkpointEverySteps` steps.

Real `train` processes on the tiny model: one is sent SIGTERM mid-epoch, one SIGKILL between two
step checkpoints, and each is resumed. Both end with exactly the weights of an uninterrupted run
(the data order, optimizer, scheduler and RNG continue where they stopped), and the test prints how
many optimizer steps each resume redid.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, Optional

import pytest
import torch
from safetensors.torch import load_file

from conftest import ML_ROOT

CHECKPOINT_INTERVAL = 10
# 48 rows in batches of 4 is 12 steps a pass; minSteps makes each of the 2 epochs 5 passes (60 steps),
# so a signal sent at a chosen step lands well inside an epoch.
SETTINGS = dict(batchSize=4, maxEpochs=2, patience=100, minSteps=120, keepCheckpointsWhenDone=True)
STEPS_PER_EPOCH = 60
# Every trainer here runs on one thread, so all of them compute bit for bit alike.
ENV = {**os.environ, "SYNTHLAB_TORCH_THREADS": "1", "SYNTHLAB_STEP_EVENT_SECONDS": "0"}


def run_trainer(config_path: Path, stop_at_step: Optional[int] = None, sig: int = signal.SIGTERM) -> tuple[int, list[dict[str, Any]]]:
    """Runs `train`, reading its events as they come; sends `sig` once a step event reaches `stop_at_step`."""
    proc = subprocess.Popen([sys.executable, "-m", "synthlab_ml", "train", "--config", str(config_path)],
                            cwd=ML_ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=ENV, text=True)
    events: list[dict[str, Any]] = []
    try:
        assert proc.stdout is not None
        signalled = False
        for line in proc.stdout:
            event = json.loads(line)
            events.append(event)
            if (not signalled and stop_at_step is not None and event["event"] == "step"
                    and event["global_step"] >= stop_at_step):
                proc.send_signal(sig)
                signalled = True
        return proc.wait(timeout=300), events
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def last_step(events: list[dict[str, Any]]) -> int:
    """The last optimizer step the trainer reported (it reports each one: SYNTHLAB_STEP_EVENT_SECONDS=0)."""
    return max(event["global_step"] for event in events if event["event"] == "step")


def final_weights(config_path: Path) -> dict[str, torch.Tensor]:
    run = Path(json.loads(config_path.read_text())["output_dir"])
    return load_file(str(run / "checkpoints" / f"epoch-{SETTINGS['maxEpochs']}" / "model.safetensors"))


def epoch_records(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in event.items() if k != "seconds"} for event in events if event["event"] == "epoch"]


def assert_same_weights(actual: dict[str, torch.Tensor], expected: dict[str, torch.Tensor]) -> None:
    assert actual.keys() == expected.keys()
    for name, tensor in expected.items():
        assert torch.equal(actual[name], tensor), f"{name} differs from the uninterrupted run"


def test_sigterm_and_sigkill_resume_at_the_step(capsys: pytest.CaptureFixture[str], train_config: Callable[..., Path],
                                                tmp_path: Path) -> None:
    uninterrupted = train_config(**SETTINGS, output_dir=str(tmp_path / "uninterrupted"))
    code, reference_events = run_trainer(uninterrupted)
    assert code == 0
    assert reference_events[0]["steps_per_epoch"] == STEPS_PER_EPOCH
    reference = final_weights(uninterrupted)

    # SIGTERM in the middle of epoch 2: a checkpoint at the step reached, exit code 75.
    preempted = train_config(**SETTINGS, output_dir=str(tmp_path / "sigterm"))
    code, first = run_trainer(preempted, stop_at_step=STEPS_PER_EPOCH + 25, sig=signal.SIGTERM)
    assert code == 75, f"a preempted trainer exits with 75, got {code}"
    notice = first[-1]
    assert notice["event"] == "preempted"
    assert 0 < notice["epoch_step"] < STEPS_PER_EPOCH, notice
    assert notice["checkpoint"].endswith(f"step-{notice['global_step']}")
    code, second = run_trainer(preempted)
    assert code == 0
    assert second[0]["resumed_from_step"] == notice["global_step"] and second[0]["resumed_mid_epoch"] is True
    steps_redone_after_sigterm = last_step(first) - second[0]["resumed_from_step"]
    assert steps_redone_after_sigterm == 0
    assert epoch_records(first) + epoch_records(second) == epoch_records(reference_events)
    assert_same_weights(final_weights(preempted), reference)

    # SIGKILL with a checkpoint every CHECKPOINT_INTERVAL steps: at most that many steps are redone.
    killed = train_config(**SETTINGS, checkpointEverySteps=CHECKPOINT_INTERVAL, output_dir=str(tmp_path / "sigkill"))
    code, first = run_trainer(killed, stop_at_step=STEPS_PER_EPOCH + 27, sig=signal.SIGKILL)
    assert code == -signal.SIGKILL
    assert any(event["event"] == "checkpoint" for event in first)
    code, second = run_trainer(killed)
    assert code == 0
    steps_redone_after_sigkill = last_step(first) - second[0]["resumed_from_step"]
    assert 0 <= steps_redone_after_sigkill <= CHECKPOINT_INTERVAL
    assert epoch_records(first) + epoch_records(second) == epoch_records(reference_events)
    assert_same_weights(final_weights(killed), reference)

    with capsys.disabled():
        print(f"\npreemption: steps_redone_after_sigterm={steps_redone_after_sigterm} "
              f"steps_redone_after_sigkill={steps_redone_after_sigkill} checkpoint_interval={CHECKPOINT_INTERVAL}")
