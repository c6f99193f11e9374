"""Checkpoints under <output_dir>/checkpoints/, written atomically, plus best/.

`epoch-<N>/` is written when epoch N ends (after its dev evaluation). `step-<G>/` is written between
epoch ends, at global optimizer step G: every `checkpointEverySteps` steps or `checkpointEveryMinutes`
minutes, and on a preemption notice. Its state carries the position in the epoch under way
(`epoch_step`) and that epoch's running train loss, so a resume continues with the next batch and
the epoch's record comes out as if never interrupted. The newest checkpoint is the one with the
highest global step (an epoch checkpoint after a step checkpoint of the same step).
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

import torch

from synthlab_ml.io_utils import atomic_write_json, default_mode, recover_dir, replace_dir

_CHECKPOINT_DIR = re.compile(r"^(epoch|step)-(\d+)$")
STATE_FILE = "trainer_state.json"
TRAINING_ONLY_FILES = {"optimizer.pt", "scheduler.pt", "rng_state.pt", STATE_FILE}
BEST_INFO_FILE = "best_info.json"


@dataclass
class TrainerState:
    """Where a run stands. `epoch` counts every epoch of the run (it names checkpoints/epoch-<N>); the
    rest is per phase (regimes.py): `phase_epoch`, the best epoch (phase-local; `best_checkpoint` is its
    run-wide number), patience. `phases` summarises the finished phases."""

    epoch: int = 0
    global_step: int = 0
    best_score: Optional[float] = None
    best_epoch: Optional[int] = None
    epochs_without_improvement: int = 0
    labels: list[str] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    phase: int = 0
    phase_parts: list[str] = field(default_factory=list)
    phase_epoch: int = 0
    best_checkpoint: Optional[int] = None
    phases: list[dict[str, Any]] = field(default_factory=list)
    # Within the epoch under way (epoch + 1): optimizer steps done and its train loss so far; 0 at an epoch end.
    epoch_step: int = 0
    epoch_loss_sum: float = 0.0
    epoch_seen: int = 0

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> "TrainerState":
        known = {k: raw[k] for k in asdict(cls()) if k in raw}
        # Checkpoints written before phases existed: one phase, whose epochs are the run's.
        known.setdefault("phase_epoch", known.get("epoch", 0))
        known.setdefault("best_checkpoint", known.get("best_epoch"))
        return cls(**known)


@dataclass
class Checkpoint:
    # Epochs completed when it was written (a step checkpoint: those before the epoch under way).
    epoch: int
    path: Path
    global_step: int = 0
    # Written at an epoch end (epoch-N), not between two (step-G).
    at_epoch_end: bool = True

    def state(self) -> TrainerState:
        return TrainerState.from_dict(json.loads((self.path / STATE_FILE).read_text(encoding="utf-8")))


def list_checkpoints(checkpoint_root: Path) -> list[Checkpoint]:
    """Complete checkpoints, oldest first: by global step, then epoch (epoch-10 after epoch-9)."""
    if not checkpoint_root.is_dir():
        return []
    found: list[Checkpoint] = []
    for child in checkpoint_root.iterdir():
        m = _CHECKPOINT_DIR.match(child.name)
        if m and child.is_dir():
            if (child / STATE_FILE).is_file():
                state, number = Checkpoint(0, child).state(), int(m.group(2))
                if m.group(1) == "epoch":
                    found.append(Checkpoint(number, child, state.global_step, at_epoch_end=True))
                else:
                    found.append(Checkpoint(state.epoch, child, number, at_epoch_end=False))
            else:
                print(f"warning: ignoring incomplete checkpoint {child}", file=sys.stderr)
    return sorted(found, key=lambda c: (c.global_step, c.epoch, c.at_epoch_end))


def latest_checkpoint(checkpoint_root: Path) -> Optional[Checkpoint]:
    checkpoints = list_checkpoints(checkpoint_root)
    return checkpoints[-1] if checkpoints else None


def clean_partial(output_dir: Path) -> None:
    """Remove temp dirs left by a killed writer and undo a half-finished directory swap."""
    checkpoint_root = output_dir / "checkpoints"
    for root in (output_dir, checkpoint_root):
        if not root.is_dir():
            continue
        for child in root.iterdir():
            if child.name.startswith(".tmp-"):
                shutil.rmtree(child, ignore_errors=True)
    recover_dir(output_dir / "best")
    if checkpoint_root.is_dir():
        for child in checkpoint_root.iterdir():
            if child.name.endswith(".old"):
                recover_dir(child.with_name(child.name[: -len(".old")]))


def temp_dir(parent: Path, name: str) -> Path:
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{name}-", dir=parent))
    tmp.chmod(default_mode(is_dir=True))
    return tmp


def save_checkpoint(
    checkpoint_root: Path,
    state: TrainerState,
    model: Any,
    tokenizer: Any,
    optimizer: torch.optim.Optimizer,
    scheduler: Any,
    rng_state: dict[str, Any],
) -> Checkpoint:
    at_epoch_end = state.epoch_step == 0
    final = checkpoint_root / (f"epoch-{state.epoch}" if at_epoch_end else f"step-{state.global_step}")
    tmp = temp_dir(checkpoint_root, final.name)
    try:
        model.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        torch.save(optimizer.state_dict(), tmp / "optimizer.pt")
        torch.save(scheduler.state_dict(), tmp / "scheduler.pt")
        torch.save(rng_state, tmp / "rng_state.pt")
        # Written last: its presence marks the checkpoint complete.
        atomic_write_json(tmp / STATE_FILE, asdict(state))
        replace_dir(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Checkpoint(state.epoch, final, state.global_step, at_epoch_end)


def load_training_state(checkpoint: Checkpoint, device: torch.device) -> tuple[dict, dict, dict]:
    """Optimizer, scheduler and RNG state dicts (our own files, so full unpickling is fine)."""
    opt = torch.load(checkpoint.path / "optimizer.pt", map_location=device, weights_only=False)
    sched = torch.load(checkpoint.path / "scheduler.pt", map_location="cpu", weights_only=False)
    rng = torch.load(checkpoint.path / "rng_state.pt", map_location="cpu", weights_only=False)
    return opt, sched, rng


def prune_checkpoints(checkpoint_root: Path, keep: int) -> None:
    """Keep the newest `keep` epoch checkpoints and the newest checkpoint (best/ is a separate copy, never touched).

    A step checkpoint older than the newest checkpoint serves nothing: resume takes the newest.
    """
    checkpoints = list_checkpoints(checkpoint_root)
    epoch_ends = [c for c in checkpoints if c.at_epoch_end]
    kept = {c.path for c in epoch_ends[-keep:]} | {c.path for c in checkpoints[-1:]}
    for checkpoint in checkpoints:
        if checkpoint.path not in kept:
            shutil.rmtree(checkpoint.path, ignore_errors=True)


def best_info(best_dir: Path) -> Optional[dict[str, Any]]:
    try:
        return json.loads((best_dir / BEST_INFO_FILE).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def publish_best(checkpoint: Checkpoint, best_dir: Path, score: Optional[float]) -> None:
    """Copy the inference files (weights, config, tokenizer) of a checkpoint into best/ atomically."""

    def copy_inference_files(tmp: Path) -> None:
        for item in checkpoint.path.iterdir():
            if item.name in TRAINING_ONLY_FILES:
                continue
            if item.is_dir():
                shutil.copytree(item, tmp / item.name)
            else:
                shutil.copy2(item, tmp / item.name)

    publish_dir(copy_inference_files, best_dir, {"epoch": checkpoint.epoch, "score": score})


def publish_dir(fill: Callable[[Path], None], best_dir: Path, info: dict[str, Any]) -> None:
    """Fill a temp dir with `fill`, add best_info.json, and move it into place as best/ atomically."""
    tmp = temp_dir(best_dir.parent, best_dir.name)
    try:
        fill(tmp)
        atomic_write_json(tmp / BEST_INFO_FILE, info)
        replace_dir(tmp, best_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
