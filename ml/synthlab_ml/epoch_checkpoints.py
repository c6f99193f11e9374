"""Per-epoch checkpoints a finished run keeps (`keepEpochCheckpoints`): `<output_dir>/epochs/epoch-<k>/`.

Per-epoch predictions (dataset cartography) need the weights of every epoch, and with frozen token
embeddings most of an encoder never changes (96M of multilingual-e5-small's 118M parameters). So an
epoch checkpoint holds only what training changed: every state-dict entry but the frozen parameters
(`trained.safetensors`), plus `epoch_checkpoint.json` naming the frozen entries and a fingerprint of
them. It is loaded over the run's `best/` model, whose frozen entries are the same tensors: they come
from the same starting model and no epoch changed them. The fingerprint check makes a mismatched
base a clear error instead of silently wrong weights.
"""

from __future__ import annotations

import json
import math
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from synthlab_ml.checkpoints import temp_dir
from synthlab_ml.errors import DataError
from synthlab_ml.io_utils import atomic_write_json, replace_dir

EPOCHS_DIR = "epochs"
WEIGHTS_FILE = "trained.safetensors"
INFO_FILE = "epoch_checkpoint.json"
_EPOCH_DIR = re.compile(r"^epoch-(\d+)$")


@dataclass(frozen=True)
class EpochCheckpoint:
    epoch: int  # 1..E within the run's last phase
    path: Path


def _frozen_names(model: Any) -> list[str]:
    return sorted(name for name, parameter in model.named_parameters() if not parameter.requires_grad)


def _fingerprint(state: dict[str, torch.Tensor], names: list[str]) -> list[float]:
    """Two cheap numbers per frozen tensor (sum and L2 norm, in float64): enough to tell another base apart."""
    out: list[float] = []
    for name in names:
        values = state[name].detach()
        out += [float(values.sum(dtype=torch.float64)), float(torch.linalg.vector_norm(values, dtype=torch.float64))]
    return out


def _same_fingerprint(left: list[float], right: list[float]) -> bool:
    # Sums on another device may differ in the last bits (reduction order); another model differs by far more.
    return len(left) == len(right) and all(math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-6) for a, b in zip(left, right))


def save_epoch_checkpoint(epochs_root: Path, epoch: int, checkpoint_epoch: int, model: Any) -> EpochCheckpoint:
    """Write epoch `epoch`'s trained tensors atomically; `checkpoint_epoch` is its number under checkpoints/."""
    from safetensors.torch import save_file

    final = epochs_root / f"epoch-{epoch}"
    tmp = temp_dir(epochs_root, final.name)
    try:
        frozen = _frozen_names(model)
        state = model.state_dict()
        trained = {name: tensor.detach().cpu().contiguous().clone() for name, tensor in state.items() if name not in frozen}
        save_file(trained, str(tmp / WEIGHTS_FILE))
        atomic_write_json(tmp / INFO_FILE, {"epoch": epoch, "checkpoint_epoch": checkpoint_epoch, "base": "best",
                                            "frozen": frozen, "frozen_fingerprint": _fingerprint(state, frozen)})
        replace_dir(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return EpochCheckpoint(epoch, final)


def list_epoch_checkpoints(epochs_root: Path) -> list[EpochCheckpoint]:
    """Complete epoch checkpoints in epoch order."""
    if not epochs_root.is_dir():
        return []
    found = [EpochCheckpoint(int(m.group(1)), child) for child in epochs_root.iterdir()
             if (m := _EPOCH_DIR.match(child.name)) and (child / INFO_FILE).is_file()]
    return sorted(found, key=lambda checkpoint: checkpoint.epoch)


def drop_epoch_checkpoints(epochs_root: Path, keep_up_to: int) -> None:
    """Remove epoch checkpoints after `keep_up_to` (left by a killed run, or by an earlier phase) and temp dirs."""
    if not epochs_root.is_dir():
        return
    for child in epochs_root.iterdir():
        m = _EPOCH_DIR.match(child.name)
        if child.name.startswith(".tmp-") or (m and int(m.group(1)) > keep_up_to):
            shutil.rmtree(child, ignore_errors=True)


def checkpoint_info(checkpoint: EpochCheckpoint) -> dict[str, Any]:
    return json.loads((checkpoint.path / INFO_FILE).read_text(encoding="utf-8"))


def load_over_base(model: Any, checkpoint: EpochCheckpoint) -> None:
    """Overwrite `model`'s trained tensors (a model loaded from the run's best/) with this epoch's."""
    from safetensors.torch import load_file

    info = checkpoint_info(checkpoint)
    frozen = list(info["frozen"])
    state = model.state_dict()
    missing_frozen = [name for name in frozen if name not in state]
    if missing_frozen or not _same_fingerprint(_fingerprint(state, frozen), info["frozen_fingerprint"]):
        raise DataError(f"{checkpoint.path}: its frozen weights ({', '.join(frozen[:3])}) are not those of the base "
                        f"model it is loaded over; use the best/ model of the same training run")
    missing, unexpected = model.load_state_dict(load_file(str(checkpoint.path / WEIGHTS_FILE)), strict=False)
    if unexpected or set(missing) != set(frozen):
        raise DataError(f"{checkpoint.path}: does not fit the base model (unexpected {sorted(unexpected)[:3]}, "
                        f"missing {sorted(set(missing) - set(frozen))[:3]})")
