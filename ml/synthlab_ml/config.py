"""Command configs, validated with pydantic. No defaults live here.

The trainer's settings are declared once, with their defaults and ranges, in the sweep config's zod
schema (`trainerSettingsSchema` in src/config/schema.ts); the activity sends them whole as `settings`,
spelled as declared there (camelCase). This side checks that every setting arrived with the right type
and no unknown one came along. `schemas/trainer-settings.schema.json` is the JSON Schema exported from
zod; tests and hand-written configs take the defaults from it (`default_trainer_settings`).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any, Literal, Optional, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator
from pydantic.alias_generators import to_camel

from synthlab_ml.errors import ConfigError

# metric name -> True when higher is better
BEST_METRICS = {"macro_f1": True, "accuracy": True, "loss": False}
TRAINER_SETTINGS_SCHEMA = Path(__file__).parent / "schemas" / "trainer-settings.schema.json"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class TrainerSettings(_Strict):
    """The trainer's settings as the sweep config declares them (camelCase on the wire)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, alias_generator=to_camel,
                              populate_by_name=False)

    lr: float
    batch_size: int
    max_length: int
    max_epochs: int
    patience: int
    warmup_ratio: float
    weight_decay: float
    classifier_dropout: Optional[float]
    max_grad_norm: Optional[float]
    metric_for_best: Literal["macro_f1", "accuracy", "loss"]
    keep_checkpoints: int
    keep_checkpoints_when_done: bool
    soft_label_temperature: float
    regime: Literal["standard", "mix", "warmup", "reverse"]
    gradient_accumulation: int
    keep_epoch_checkpoints: bool
    predict_batch_size: int
    device: Literal["auto", "cpu", "cuda"]
    method: Literal["fine-tune", "linear-probe"]
    pooling: Literal["cls", "mean"]
    head_lr: Optional[float]
    head_init: Literal["random", "linear-probe"]
    min_steps: int
    freeze_embeddings: bool
    probe_c: Optional[float]
    checkpoint_every_steps: Optional[int]
    checkpoint_every_minutes: Optional[float]

    @model_validator(mode="after")
    def _mean_pooling_where_needed(self) -> "TrainerSettings":
        # The same rule as trainerSettingsProblems in src/config/schema.ts, for configs written by hand.
        if self.method == "linear-probe" and self.pooling != "mean":
            raise ValueError(f"method 'linear-probe' works on mean-pooled vectors: set 'pooling' to 'mean', got {self.pooling!r}")
        if self.method == "fine-tune" and self.head_init == "linear-probe" and self.pooling != "mean":
            raise ValueError(f"headInit 'linear-probe' needs the mean-pooled head: set 'pooling' to 'mean', got {self.pooling!r}")
        if self.method == "linear-probe" and self.regime in ("warmup", "reverse"):
            raise ValueError(f"method 'linear-probe' fits all rows at once and has no phases: set 'regime' to 'mix' "
                             f"or 'method' to 'fine-tune', got regime {self.regime!r}")
        return self


def _check_labels(labels: list[str]) -> list[str]:
    if not labels:
        raise ValueError("must be a non-empty list")
    duplicates = sorted({label for label in labels if labels.count(label) > 1})
    if duplicates:
        raise ValueError(f"has duplicate label {duplicates[0]!r}")
    return labels


@functools.cache
def _trainer_settings_schema() -> dict[str, Any]:
    return json.loads(TRAINER_SETTINGS_SCHEMA.read_text(encoding="utf-8"))


_BOUNDS = {
    "minimum": (lambda value, bound: value >= bound, ">="),
    "exclusiveMinimum": (lambda value, bound: value > bound, ">"),
    "maximum": (lambda value, bound: value <= bound, "<="),
    "exclusiveMaximum": (lambda value, bound: value < bound, "<"),
}


def _check_bounds(settings: TrainerSettings) -> list[str]:
    """The numeric bounds zod declared (read from its exported JSON Schema), checked here too."""
    problems = []
    wire = settings.model_dump(by_alias=True)
    for name, spec in _trainer_settings_schema()["properties"].items():
        value = wire[name]
        if value is None or isinstance(value, (bool, str)):
            continue
        for variant in spec.get("anyOf", [spec]):
            for keyword, (holds, symbol) in _BOUNDS.items():
                if keyword in variant and not holds(value, variant[keyword]):
                    problems.append(f"key 'settings.{name}' must be {symbol} {variant[keyword]}, got {value}")
    return problems


class TrainConfig(_Strict):
    model: str
    train_file: str
    dev_file: str
    labels: list[str]
    output_dir: str
    seed: int
    settings: TrainerSettings

    _labels = field_validator("labels")(_check_labels)


def _check_score_labels(score_labels: Optional[list[str]], labels: list[str]) -> None:
    """`score_labels`: a non-empty subset of `labels` without repeats (the argmax and the metrics are restricted to it)."""
    if score_labels is None:
        return
    if not score_labels:
        raise ValueError("key 'score_labels': must be a non-empty list (omit it to score every label)")
    unknown = [label for label in score_labels if label not in labels]
    if unknown:
        raise ValueError(f"key 'score_labels': {unknown[0]!r} is not in labels {labels}")
    repeated = sorted({label for label in score_labels if score_labels.count(label) > 1})
    if repeated:
        raise ValueError(f"key 'score_labels': {repeated[0]!r} is listed twice")


class TrainEvaluateConfig(TrainConfig):
    """`train-evaluate`: a `train` config plus where to predict and score the test split."""

    test_file: str
    predictions_file: str
    metrics_file: str
    score_labels: Optional[list[str]] = None  # optional by nature: scoring every label is the usual case

    @model_validator(mode="after")
    def _score_labels_are_labels(self) -> "TrainEvaluateConfig":
        _check_score_labels(self.score_labels, self.labels)
        return self


class PredictConfig(_Strict):
    model_dir: str
    input_file: str
    labels: list[str]
    output_file: str
    metrics_file: Optional[str] = None  # optional by nature: predicting unlabelled rows writes no metrics
    settings: TrainerSettings
    # "best": the best model only; "every-epoch": also every epoch checkpoint the run kept (keepEpochCheckpoints),
    # whose probabilities go to `probabilities_file` as [E, N, C].
    checkpoints: Literal["best", "every-epoch"]
    probabilities_file: Optional[str] = None
    score_labels: Optional[list[str]] = None

    _labels = field_validator("labels")(_check_labels)

    @field_validator("probabilities_file")
    @classmethod
    def _npy(cls, value: Optional[str]) -> Optional[str]:
        if value is not None and Path(value).suffix.lower() != ".npy":
            raise ValueError("must end in .npy")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> "PredictConfig":
        _check_score_labels(self.score_labels, self.labels)
        if self.checkpoints == "every-epoch" and self.probabilities_file is None:
            raise ValueError("key 'probabilities_file': checkpoints 'every-epoch' writes its predictions there, so it is required")
        return self


class EmbedConfig(_Strict):
    model_dir: str
    input_file: str
    output_file: str
    batch_size: int
    max_length: int
    device: Literal["auto", "cpu", "cuda"]

    @field_validator("output_file")
    @classmethod
    def _npy_or_jsonl(cls, value: str) -> str:
        if Path(value).suffix.lower() not in (".npy", ".jsonl"):
            raise ValueError("must end in .npy or .jsonl")
        return value


C = TypeVar("C", bound=BaseModel)


def load_config(path: str | Path, config_class: type[C]) -> C:
    path = Path(path)
    where = f"config {path}"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{where}: file not found") from None
    except json.JSONDecodeError as error:
        raise ConfigError(f"{where}: invalid JSON at line {error.lineno}: {error.msg}") from None
    return config_from_dict(raw, config_class, where)


def config_from_dict(raw: Any, config_class: type[C], where: str = "config") -> C:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: top level must be a JSON object")
    try:
        config = config_class.model_validate(raw)
    except ValidationError as error:
        raise ConfigError(f"{where}: " + "; ".join(_describe(issue) for issue in error.errors())) from None
    settings = getattr(config, "settings", None)
    problems = _check_bounds(settings) if isinstance(settings, TrainerSettings) else []
    if problems:
        raise ConfigError(f"{where}: " + "; ".join(problems))
    return config


def _describe(issue: Any) -> str:
    key = ".".join(str(part) for part in issue["loc"])
    if issue["type"] == "missing":
        return f"missing required key '{key}'"
    if issue["type"] == "extra_forbidden":
        return f"unknown key '{key}'"
    if issue["type"] == "value_error" and isinstance(issue.get("input"), dict):
        # A model validator's rule across keys: its message names the keys; the whole object adds nothing.
        message = str(issue["msg"]).removeprefix("Value error, ")
        return f"key '{key}': {message}" if key else message
    return f"key '{key}': {issue['msg']}, got {json.dumps(issue.get('input'), default=str)}"


def default_trainer_settings(**overrides: Any) -> dict[str, Any]:
    """The zod-declared defaults (from the exported JSON Schema), for tests and hand-written configs."""
    settings = {name: spec["default"] for name, spec in _trainer_settings_schema()["properties"].items()}
    unknown = set(overrides) - set(settings)
    if unknown:
        raise KeyError(f"not trainer settings: {sorted(unknown)}")
    return {**settings, **overrides}


def as_dict(config: BaseModel) -> dict[str, Any]:
    return config.model_dump(by_alias=True)
