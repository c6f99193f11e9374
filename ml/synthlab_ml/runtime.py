"""Process-wide runtime setup: torch threads, device choice, seeding and RNG snapshots."""

from __future__ import annotations

import os
import random
import sys
from typing import Any

import numpy as np
import torch

from synthlab_ml.errors import ConfigError


def configure_threads() -> None:
    value = os.environ.get("SYNTHLAB_TORCH_THREADS")
    if not value:
        return
    try:
        n = int(value)
    except ValueError:
        raise ConfigError(f"env SYNTHLAB_TORCH_THREADS must be an integer, got {value!r}") from None
    if n > 0:
        torch.set_num_threads(n)


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device 'cuda' was requested but CUDA is not available")
    return torch.device(name)


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # also seeds every CUDA device


def get_rng_state() -> dict[str, Any]:
    state: dict[str, Any] = {
        "python": random.getstate(),
        "numpy": np.random.get_state(),
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        try:
            torch.cuda.set_rng_state_all(state["cuda"])
        except Exception as e:  # e.g. resumed on a machine with fewer GPUs
            print(f"warning: could not restore CUDA RNG state: {e}", file=sys.stderr)
