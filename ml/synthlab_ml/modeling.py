"""Loading HF models/tokenizers from local dirs and turning examples into padded batches."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence

import torch

from synthlab_ml.data import Example
from synthlab_ml.errors import ConfigError


@contextlib.contextmanager
def quiet_transformers() -> Iterator[None]:
    """Silence expected load-time warnings (e.g. 'classifier weights newly initialized')."""
    from transformers.utils import logging as hf_logging

    previous = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    try:
        yield
    finally:
        hf_logging.set_verbosity(previous)


def hub_model_is_cached(source: str) -> bool:
    """Whether a hub id's `main` revision is in the local Hugging Face cache with its config.

    transformers loads such a model with HF_HUB_OFFLINE=1; the TypeScript pre-flight
    (src/config/checks/models.ts) looks for the same files.
    """
    from huggingface_hub import try_to_load_from_cache

    try:
        return isinstance(try_to_load_from_cache(source, "config.json"), str)
    except ValueError:  # not a valid repo id
        return False


def check_model_source(source: str, key: str) -> None:
    if Path(source).is_dir():
        return
    offline = os.environ.get("HF_HUB_OFFLINE", "0").lower() in ("1", "true", "yes")
    looks_like_path = source.startswith(("/", ".", "~"))
    if offline and not looks_like_path and hub_model_is_cached(source):
        return
    if offline or looks_like_path:
        raise ConfigError(
            f"key '{key}': {source!r} is not a local model directory"
            + (" (HF_HUB_OFFLINE=1, hub ids cannot be downloaded, and it is not in the local Hugging Face cache)"
               if offline else ""))


def load_tokenizer(source: str) -> Any:
    from transformers import AutoTokenizer

    with quiet_transformers():
        return AutoTokenizer.from_pretrained(source)


def load_classifier(source: str, labels: Optional[list[str]] = None, **config_overrides: Any) -> Any:
    """Load a sequence classifier; with `labels`, (re)build the head for those labels."""
    from transformers import AutoModelForSequenceClassification

    kwargs: dict[str, Any] = dict(config_overrides)
    if labels is not None:
        kwargs.update(
            num_labels=len(labels),
            id2label=dict(enumerate(labels)),
            label2id={lab: i for i, lab in enumerate(labels)},
            # lets a classifier fine-tuned on another label set be reused as a starting point
            ignore_mismatched_sizes=True,
        )
    with quiet_transformers():
        return AutoModelForSequenceClassification.from_pretrained(source, **kwargs)


def check_model_labels(model: Any, labels: list[str], model_dir: str) -> None:
    n = int(model.config.num_labels)
    if n != len(labels):
        raise ConfigError(f"model_dir {model_dir}: model has {n} labels but config 'labels' has {len(labels)}")
    names = [model.config.id2label.get(i, model.config.id2label.get(str(i))) for i in range(n)]
    generic = all(name == f"LABEL_{i}" for i, name in enumerate(names))
    if not generic and names != labels:
        raise ConfigError(f"model_dir {model_dir}: model labels {names} differ from config 'labels' {labels}")


class Encoded:
    """Token ids for a list of examples (unpadded), padded per batch on demand."""

    def __init__(self, tokenizer: Any, examples: Sequence[Example], max_length: int) -> None:
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        self.features: list[dict[str, list[int]]] = [{} for _ in examples]
        # Pair and single rows are tokenized separately: a batched tokenizer call needs all-or-none pairs.
        singles = [i for i, ex in enumerate(examples) if ex.text_pair is None]
        pairs = [i for i, ex in enumerate(examples) if ex.text_pair is not None]
        for idxs, is_pair in ((singles, False), (pairs, True)):
            if not idxs:
                continue
            texts = [examples[i].text for i in idxs]
            second = [examples[i].text_pair for i in idxs] if is_pair else None
            enc = tokenizer(texts, second, truncation=True, max_length=max_length)
            keys = [k for k in ("input_ids", "attention_mask", "token_type_ids") if k in enc]
            for j, i in enumerate(idxs):
                self.features[i] = {k: enc[k][j] for k in keys}

    def __len__(self) -> int:
        return len(self.features)

    def batch(self, indices: Sequence[int], device: torch.device) -> dict[str, torch.Tensor]:
        rows = [self.features[i] for i in indices]
        width = max(len(r["input_ids"]) for r in rows)
        out: dict[str, torch.Tensor] = {}
        for key in rows[0]:
            pad = self.pad_id if key == "input_ids" else 0
            data = [r[key] + [pad] * (width - len(r[key])) for r in rows]
            out[key] = torch.tensor(data, dtype=torch.long, device=device)
        return out


def batches(n: int, batch_size: int, order: Optional[Sequence[int]] = None) -> Iterator[list[int]]:
    idx = list(order) if order is not None else list(range(n))
    for start in range(0, n, batch_size):
        yield idx[start:start + batch_size]


def batches_by_length(encoded: Encoded, batch_size: int) -> Iterator[list[int]]:
    """Inference batches of rows of similar length: less padding to compute (callers put rows back in order)."""
    order = sorted(range(len(encoded)), key=lambda i: len(encoded.features[i]["input_ids"]))
    return batches(len(encoded), batch_size, order)


@torch.no_grad()
def infer_logits(model: Any, encoded: Encoded, batch_size: int, device: torch.device) -> torch.Tensor:
    """Logits for every encoded row, in order, on CPU as float32."""
    model.eval()
    rows: list[torch.Tensor] = [torch.empty(0)] * len(encoded)
    for idx in batches_by_length(encoded, batch_size):
        for i, logits in zip(idx, model(**encoded.batch(idx, device)).logits.float().cpu()):
            rows[i] = logits
    return torch.stack(rows) if rows else torch.empty(0)


def load_trained_classifier(model_dir: str) -> Any:
    """A classifier saved by `train`: mean-pooled (our head files) or a HF sequence classifier."""
    from synthlab_ml.pooled import MeanPooledClassifier, is_mean_pooled_dir

    return MeanPooledClassifier.from_pretrained(model_dir) if is_mean_pooled_dir(model_dir) else load_classifier(model_dir)
