"""`classifierDropout` reaches the classifier head: the dropout module in front of it has p = the setting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch.nn as nn

from synthlab_ml.config import ConfigError, TrainConfig, config_from_dict, default_trainer_settings
from synthlab_ml.pooled import MeanPooledClassifier
from synthlab_ml.train import _build_model

LABELS = ["a", "b", "c"]


def _config(tiny_model: Path, tmp_path: Path, **settings: Any) -> TrainConfig:
    raw = {
        "model": str(tiny_model), "train_file": str(tmp_path / "train.jsonl"), "dev_file": str(tmp_path / "dev.jsonl"),
        "labels": LABELS, "output_dir": str(tmp_path / "run"), "seed": 1,
        "settings": default_trainer_settings(device="cpu", **settings),
    }
    return config_from_dict(raw, TrainConfig)


def _head_dropout(model: Any) -> nn.Dropout:
    """The dropout applied right before the classification layer, for both kinds of head."""
    if isinstance(model, MeanPooledClassifier):
        return model.dropout
    # BertForSequenceClassification: pooler output → dropout → classifier.
    return model.dropout


@pytest.mark.parametrize("pooling,head_init", [("mean", "linear-probe"), ("cls", "random")])
def test_head_dropout_is_the_setting(tiny_model: Path, tmp_path: Path, pooling: str, head_init: str) -> None:
    model = _build_model(_config(tiny_model, tmp_path, pooling=pooling, headInit=head_init, classifierDropout=0.3))
    dropout = _head_dropout(model)
    assert isinstance(dropout, nn.Dropout)
    assert dropout.p == pytest.approx(0.3)


@pytest.mark.parametrize("pooling,head_init", [("mean", "linear-probe"), ("cls", "random")])
def test_absent_setting_keeps_the_models_own_dropout(tiny_model: Path, tmp_path: Path, pooling: str, head_init: str) -> None:
    model = _build_model(_config(tiny_model, tmp_path, pooling=pooling, headInit=head_init, classifierDropout=None))
    # The tiny BERT's config says hidden_dropout_prob 0.1 and no classifier_dropout: the head uses 0.1.
    assert _head_dropout(model).p == pytest.approx(0.1)


def test_dropout_above_the_bound_is_refused(tiny_model: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="classifierDropout"):
        _config(tiny_model, tmp_path, classifierDropout=0.95)
