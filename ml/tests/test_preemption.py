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


# Study D's trainer under preemption: a warmup regime (8 synthetic rows, then 40 gold), two batches an
# optimizer step. minSteps makes every epoch 20 optimizer steps: phase 1 is global steps 1-40 (run epochs
# 1-2), phase 2 41-80 (run epochs 3-4), so a signal at step 64 lands inside phase 2's second epoch.
PHASED = dict(batchSize=4, maxEpochs=2, patience=100, minSteps=40, gradientAccumulation=2, regime="warmup",
              keepEpochCheckpoints=True, keepCheckpointsWhenDone=True)
PHASED_STEPS_PER_EPOCH = 20


def _parted_train_file(sib_files: dict[str, Path], tmp_path: Path) -> Path:
    rows = [json.loads(line) for line in sib_files["train"].read_text().splitlines()]
    parted = [{**row, "part": "synthetic" if index < 8 else "gold"} for index, row in enumerate(rows)]
    path = tmp_path / "parted.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in parted))
    return path


def _phased_outputs(config_path: Path) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor], dict[str, Any]]:
    """The last checkpoint's weights, the last kept epoch checkpoint's, and the train result."""
    run = Path(json.loads(config_path.read_text())["output_dir"])
    return (load_file(str(run / "checkpoints" / "epoch-4" / "model.safetensors")),
            load_file(str(run / "epochs" / "epoch-2" / "trained.safetensors")),
            json.loads((run / "train_result.json").read_text()))


def test_preemption_inside_phase_two_with_gradient_accumulation(train_config: Callable[..., Path], sib_files: dict[str, Path],
                                                                tmp_path: Path) -> None:
    train_file = str(_parted_train_file(sib_files, tmp_path))
    uninterrupted = train_config(**PHASED, train_file=train_file, output_dir=str(tmp_path / "uninterrupted"))
    code, reference_events = run_trainer(uninterrupted)
    assert code == 0
    assert reference_events[0]["steps_per_epoch"] == PHASED_STEPS_PER_EPOCH
    reference_weights, reference_epoch_weights, reference_result = _phased_outputs(uninterrupted)

    # SIGTERM inside phase 2: the checkpoint records the phase and the position in its epoch.
    preempted = train_config(**PHASED, train_file=train_file, output_dir=str(tmp_path / "sigterm"))
    code, first = run_trainer(preempted, stop_at_step=3 * PHASED_STEPS_PER_EPOCH + 4, sig=signal.SIGTERM)
    assert code == 75, f"a preempted trainer exits with 75, got {code}"
    notice = first[-1]
    assert notice["event"] == "preempted" and notice["phase"] == 1, notice
    assert notice["epoch"] == 3 and 0 < notice["epoch_step"] < PHASED_STEPS_PER_EPOCH, notice
    state = json.loads((Path(notice["checkpoint"]) / "trainer_state.json").read_text())
    assert (state["phase"], state["phase_epoch"], state["epoch_step"]) == (1, 1, notice["epoch_step"])
    assert state["epoch_seen"] == notice["epoch_step"] * 2 * PHASED["batchSize"]
    code, second = run_trainer(preempted)
    assert code == 0
    assert second[0]["resumed_from_step"] == notice["global_step"] and second[0]["phase"] == "gold"
    assert last_step(first) == notice["global_step"]
    assert epoch_records(first) + epoch_records(second) == epoch_records(reference_events)
    weights, epoch_weights, result = _phased_outputs(preempted)
    assert_same_weights(weights, reference_weights)
    assert_same_weights(epoch_weights, reference_epoch_weights)
    assert result["resumed_from_step"] == notice["global_step"] and result["phases"] == reference_result["phases"]
    assert [c["epoch"] for c in result["epoch_checkpoints"]] == [1, 2]

    # SIGKILL with step checkpoints every 7 optimizer steps: at most 7 are redone, in phase 2.
    killed = train_config(**PHASED, checkpointEverySteps=7, train_file=train_file, output_dir=str(tmp_path / "sigkill"))
    code, first = run_trainer(killed, stop_at_step=3 * PHASED_STEPS_PER_EPOCH + 4, sig=signal.SIGKILL)
    assert code == -signal.SIGKILL
    code, second = run_trainer(killed)
    assert code == 0
    assert 0 <= last_step(first) - second[0]["resumed_from_step"] <= 7
    assert epoch_records(first) + epoch_records(second) == epoch_records(reference_events)
    weights, epoch_weights, result = _phased_outputs(killed)
    assert_same_weights(weights, reference_weights)
    assert_same_weights(epoch_weights, reference_epoch_weights)
    assert result["phases"] == reference_result["phases"]
