"""A sentence classifier on mean-pooled encoder states: the model of `pooling: "mean"` and of the linear probe.

Encoders such as e5 and all-MiniLM-L6-v2 were trained to represent a sentence by the mean of
their token states; the [CLS] pooler of a HF sequence classifier is untrained for them. This
model takes the attention-masked mean of the last hidden states, optionally L2-normalises it
(as `embed` does), standardises it with a fixed mean and scale (identity unless the head was
initialised from a linear probe, whose features are standardised), and applies dropout and one
linear layer.

Saved like a HF model so checkpoints, best/ and predict treat it as one: the encoder with
`save_pretrained` (its config carries the labels) plus `classifier_head.json` and
`classifier_head.safetensors`. The head file's presence is what marks the layout.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import torch
from torch import nn

from synthlab_ml.modeling import quiet_transformers

HEAD_CONFIG_FILE = "classifier_head.json"
HEAD_WEIGHTS_FILE = "classifier_head.safetensors"


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor, normalize: bool) -> torch.Tensor:
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
    return nn.functional.normalize(pooled, p=2, dim=-1) if normalize else pooled


class _Logits:
    """What `model(**batch)` returns, like a HF classifier's output: `.logits`."""

    def __init__(self, logits: torch.Tensor) -> None:
        self.logits = logits


class MeanPooledClassifier(nn.Module):
    def __init__(self, encoder: Any, num_labels: int, normalize: bool, dropout: float) -> None:
        super().__init__()
        self.encoder = encoder
        self.normalize = normalize
        self.dropout = nn.Dropout(dropout)
        hidden = int(encoder.config.hidden_size)
        self.head = nn.Linear(hidden, num_labels)
        # Buffers, not parameters: fixed by the probe that initialised the head, never trained.
        self.register_buffer("feature_mean", torch.zeros(hidden))
        self.register_buffer("feature_scale", torch.ones(hidden))

    @property
    def config(self) -> Any:
        return self.encoder.config

    def get_input_embeddings(self) -> nn.Module:
        return self.encoder.get_input_embeddings()

    def head_parameter_names(self) -> set[str]:
        return {f"head.{name}" for name, _ in self.head.named_parameters()}

    def pooled(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
               token_type_ids: Optional[torch.Tensor] = None) -> torch.Tensor:
        kwargs = {"token_type_ids": token_type_ids} if token_type_ids is not None else {}
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask, **kwargs).last_hidden_state
        return mean_pool(hidden, attention_mask, self.normalize)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                token_type_ids: Optional[torch.Tensor] = None) -> _Logits:
        features = (self.pooled(input_ids, attention_mask, token_type_ids) - self.feature_mean) / self.feature_scale
        return _Logits(self.head(self.dropout(features)))

    def set_head(self, weight: torch.Tensor, bias: torch.Tensor, feature_mean: torch.Tensor,
                 feature_scale: torch.Tensor) -> None:
        with torch.no_grad():
            self.head.weight.copy_(weight.to(self.head.weight))
            self.head.bias.copy_(bias.to(self.head.bias))
            self.feature_mean.copy_(feature_mean.to(self.feature_mean))
            self.feature_scale.copy_(feature_scale.to(self.feature_scale))

    def save_pretrained(self, directory: str | Path, safe_serialization: bool = True,
                        encoder_weights_from: Optional[Path] = None) -> None:
        """Write the layout described above; `encoder_weights_from` links an unchanged encoder's file instead of copying it."""
        from safetensors.torch import save_file

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        if encoder_weights_from is None:
            self.encoder.save_pretrained(directory, safe_serialization=safe_serialization)
        else:
            self.encoder.config.save_pretrained(directory)
            _link_or_copy(encoder_weights_from, directory / encoder_weights_from.name)
        head_config = {"pooling": "mean", "normalize": self.normalize, "dropout": self.dropout.p,
                       "num_labels": self.head.out_features}
        (directory / HEAD_CONFIG_FILE).write_text(json.dumps(head_config, indent=2) + "\n", encoding="utf-8")
        tensors = {f"head.{k}": v for k, v in self.head.state_dict().items()}
        tensors.update(feature_mean=self.feature_mean, feature_scale=self.feature_scale)
        save_file({k: v.detach().cpu().contiguous() for k, v in tensors.items()}, str(directory / HEAD_WEIGHTS_FILE))

    @classmethod
    def from_encoder(cls, source: str, labels: list[str], normalize: bool, dropout: Optional[float]) -> "MeanPooledClassifier":
        """A fresh head on a pretrained encoder; the labels go into the encoder's config."""
        from transformers import AutoModel

        with quiet_transformers():
            encoder = AutoModel.from_pretrained(source, add_pooling_layer=False) if _takes_pooling_flag(source) \
                else AutoModel.from_pretrained(source)
        encoder.config.num_labels = len(labels)
        encoder.config.id2label = dict(enumerate(labels))
        encoder.config.label2id = {label: i for i, label in enumerate(labels)}
        if dropout is None:
            dropout = float(getattr(encoder.config, "hidden_dropout_prob", 0.1) or 0.0)
        return cls(encoder, len(labels), normalize, dropout)

    @classmethod
    def from_pretrained(cls, directory: str | Path) -> "MeanPooledClassifier":
        from safetensors.torch import load_file
        from transformers import AutoModel

        directory = Path(directory)
        head_config = json.loads((directory / HEAD_CONFIG_FILE).read_text(encoding="utf-8"))
        with quiet_transformers():
            encoder = AutoModel.from_pretrained(str(directory), **(
                {"add_pooling_layer": False} if _takes_pooling_flag(str(directory)) else {}))
        model = cls(encoder, int(head_config["num_labels"]), bool(head_config["normalize"]), float(head_config["dropout"]))
        tensors = load_file(str(directory / HEAD_WEIGHTS_FILE))
        model.set_head(tensors["head.weight"], tensors["head.bias"], tensors["feature_mean"], tensors["feature_scale"])
        return model


def is_mean_pooled_dir(directory: str | Path) -> bool:
    return (Path(directory) / HEAD_CONFIG_FILE).is_file()


def _takes_pooling_flag(source: str) -> bool:
    """BERT-like encoders build a [CLS] pooler this model never uses; skip it where the class allows."""
    from transformers import AutoConfig

    model_type = getattr(AutoConfig.from_pretrained(source), "model_type", "")
    return model_type in ("bert", "roberta", "xlm-roberta")


def _link_or_copy(source: Path, target: Path) -> None:
    import os
    import shutil

    try:
        os.link(source, target)
    except OSError:  # another filesystem, or links not allowed
        shutil.copy2(source, target)
