"""Command configs as dataclasses, loaded from JSON with strict key and type checks."""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, TypeVar

from synthlab_ml.errors import ConfigError

DEVICES = ("auto", "cpu", "cuda")
# metric name -> True when higher is better
BEST_METRICS = {"macro_f1": True, "accuracy": True, "loss": False}
# Known training regimes; see regimes.py. New regimes register there and are added here.
REGIMES = ("standard",)
# fine-tune: train encoder and head by gradient descent. linear-probe: logistic regression on the
# frozen encoder's mean-pooled vectors (probe.py).
METHODS = ("fine-tune", "linear-probe")
# cls: the HF sequence classifier's [CLS] pooler and head. mean: mean-pooled token states (pooled.py).
POOLINGS = ("cls", "mean")
# random: a fresh head. linear-probe: the head starts as the linear probe's (LP-FT).
HEAD_INITS = ("random", "linear-probe")


@dataclass
class TrainConfig:
    model: str
    train_file: str
    dev_file: str
    labels: list[str]
    output_dir: str
    seed: int
    lr: float = 1e-5
    batch_size: int = 16
    max_length: int = 128
    max_epochs: int = 50
    patience: int = 5
    warmup_ratio: float = 0.1
    weight_decay: float = 0.01
    classifier_dropout: Optional[float] = None
    device: str = "auto"
    metric_for_best: str = "macro_f1"
    keep_checkpoints: int = 2
    # Epoch checkpoints (weights + optimizer state, ~6x best/) exist only to resume an unfinished
    # run; a sweep of thousands of cells cannot keep them. best/ is always kept.
    keep_checkpoints_when_done: bool = False
    soft_label_temperature: float = 1.5
    max_grad_norm: Optional[float] = 1.0
    regime: str = "standard"
    method: str = "fine-tune"
    pooling: str = "cls"
    # Learning rate of the head (the newly built layers); null = `lr`.
    head_lr: Optional[float] = None
    head_init: str = "random"
    # On a small train set one epoch makes several passes, so that max_epochs epochs make at least
    # this many optimizer steps; epochs stay the unit of evaluation, checkpoints and patience.
    min_steps: int = 0
    # Keep the token embedding matrix fixed (most of a multilingual encoder's parameters).
    freeze_embeddings: bool = False
    # The linear probe's inverse regularisation; null = chosen on dev from probe.PROBE_C_GRID.
    probe_c: Optional[float] = None

    def validate(self, where: str) -> None:
        _check_labels(self.labels, where)
        _check_device(self.device, where)
        _positive(where, lr=self.lr, batch_size=self.batch_size, max_length=self.max_length,
                  max_epochs=self.max_epochs, patience=self.patience,
                  keep_checkpoints=self.keep_checkpoints,
                  soft_label_temperature=self.soft_label_temperature)
        if not 0.0 <= self.warmup_ratio <= 1.0:
            raise ConfigError(f"{where}: key 'warmup_ratio' must be in [0, 1], got {self.warmup_ratio}")
        if self.weight_decay < 0:
            raise ConfigError(f"{where}: key 'weight_decay' must be >= 0, got {self.weight_decay}")
        if self.classifier_dropout is not None and not 0.0 <= self.classifier_dropout < 1.0:
            raise ConfigError(
                f"{where}: key 'classifier_dropout' must be null or in [0, 1), got {self.classifier_dropout}")
        if self.max_grad_norm is not None and self.max_grad_norm <= 0:
            raise ConfigError(f"{where}: key 'max_grad_norm' must be null or > 0, got {self.max_grad_norm}")
        if self.metric_for_best not in BEST_METRICS:
            raise ConfigError(f"{where}: key 'metric_for_best' must be one of {sorted(BEST_METRICS)}, "
                              f"got {self.metric_for_best!r}")
        if self.regime not in REGIMES:
            raise ConfigError(f"{where}: key 'regime' must be one of {list(REGIMES)}, got {self.regime!r}")
        for key, allowed in (("method", METHODS), ("pooling", POOLINGS), ("head_init", HEAD_INITS)):
            if getattr(self, key) not in allowed:
                raise ConfigError(f"{where}: key '{key}' must be one of {list(allowed)}, got {getattr(self, key)!r}")
        if self.head_lr is not None and self.head_lr <= 0:
            raise ConfigError(f"{where}: key 'head_lr' must be null or > 0, got {self.head_lr}")
        if self.probe_c is not None and self.probe_c <= 0:
            raise ConfigError(f"{where}: key 'probe_c' must be null or > 0, got {self.probe_c}")
        if self.min_steps < 0:
            raise ConfigError(f"{where}: key 'min_steps' must be >= 0, got {self.min_steps}")
        if self.method == "linear-probe" and self.pooling != "mean":
            raise ConfigError(f"{where}: method 'linear-probe' works on mean-pooled vectors: set 'pooling' to "
                              f"'mean', got {self.pooling!r}")
        if self.head_init == "linear-probe" and self.pooling != "mean":
            raise ConfigError(f"{where}: head_init 'linear-probe' needs the mean-pooled head: set 'pooling' to "
                              f"'mean', got {self.pooling!r}")


@dataclass(kw_only=True)
class TrainEvaluateConfig(TrainConfig):
    """`train-evaluate`: a `train` config plus where to predict and score the test split."""

    test_file: str
    predictions_file: str
    metrics_file: str
    predict_batch_size: int = 64

    def validate(self, where: str) -> None:
        super().validate(where)
        _positive(where, predict_batch_size=self.predict_batch_size)


@dataclass
class PredictConfig:
    model_dir: str
    input_file: str
    labels: list[str]
    output_file: str
    metrics_file: Optional[str] = None
    batch_size: int = 64
    max_length: int = 128
    device: str = "auto"

    def validate(self, where: str) -> None:
        _check_labels(self.labels, where)
        _check_device(self.device, where)
        _positive(where, batch_size=self.batch_size, max_length=self.max_length)


@dataclass
class EmbedConfig:
    model_dir: str
    input_file: str
    output_file: str
    batch_size: int = 64
    max_length: int = 128
    device: str = "auto"

    def validate(self, where: str) -> None:
        _check_device(self.device, where)
        _positive(where, batch_size=self.batch_size, max_length=self.max_length)
        if Path(self.output_file).suffix.lower() not in (".npy", ".jsonl"):
            raise ConfigError(f"{where}: key 'output_file' must end in .npy or .jsonl, got {self.output_file!r}")


C = TypeVar("C")


def load_config(path: str | Path, cls: type[C]) -> C:
    path = Path(path)
    where = f"config {path}"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{where}: file not found") from None
    except json.JSONDecodeError as e:
        raise ConfigError(f"{where}: invalid JSON at line {e.lineno}: {e.msg}") from None
    return config_from_dict(raw, cls, where)


def config_from_dict(raw: Any, cls: type[C], where: str = "config") -> C:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: top level must be a JSON object")
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    hints = typing.get_type_hints(cls)
    for key in raw:
        if key not in fields:
            raise ConfigError(f"{where}: unknown key '{key}' (allowed: {', '.join(fields)})")
    values: dict[str, Any] = {}
    for name, f in fields.items():
        if name not in raw:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ConfigError(f"{where}: missing required key '{name}'")
            continue
        values[name] = _coerce(raw[name], hints[name], name, where)
    cfg = cls(**values)
    cfg.validate(where)  # type: ignore[attr-defined]
    return cfg


def _coerce(value: Any, hint: Any, name: str, where: str) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return _coerce(value, inner[0], name, where)
    if origin is list:
        if not isinstance(value, list):
            raise ConfigError(f"{where}: key '{name}' must be a list, got {type(value).__name__}")
        return [_coerce(v, args[0], f"{name}[{i}]", where) for i, v in enumerate(value)]
    # bool is a subclass of int in Python; refuse it where a number is expected.
    if hint is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise ConfigError(f"{where}: key '{name}' must be a number, got {json.dumps(value)}")
    if hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ConfigError(f"{where}: key '{name}' must be an integer, got {json.dumps(value)}")
    if hint is str:
        if isinstance(value, str) and value:
            return value
        raise ConfigError(f"{where}: key '{name}' must be a non-empty string, got {json.dumps(value)}")
    if hint is bool:
        if isinstance(value, bool):
            return value
        raise ConfigError(f"{where}: key '{name}' must be true or false, got {json.dumps(value)}")
    raise TypeError(f"unsupported config type {hint!r} for {name}")


def _check_labels(labels: list[str], where: str) -> None:
    if not labels:
        raise ConfigError(f"{where}: key 'labels' must be a non-empty list")
    seen: set[str] = set()
    for lab in labels:
        if lab in seen:
            raise ConfigError(f"{where}: key 'labels' has duplicate label {lab!r}")
        seen.add(lab)


def _check_device(device: str, where: str) -> None:
    if device not in DEVICES:
        raise ConfigError(f"{where}: key 'device' must be one of {list(DEVICES)}, got {device!r}")


def _positive(where: str, **values: float) -> None:
    for name, v in values.items():
        if v <= 0:
            raise ConfigError(f"{where}: key '{name}' must be > 0, got {v}")


def as_dict(cfg: Any) -> dict[str, Any]:
    return dataclasses.asdict(cfg)
