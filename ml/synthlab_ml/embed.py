"""`embed`: mean-pooled, L2-normalised sentence vectors (.npy or JSONL)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from synthlab_ml.config import EmbedConfig
from synthlab_ml.data import read_examples
from synthlab_ml.io_utils import EventWriter, atomic_write, atomic_write_text, dumps
from synthlab_ml.modeling import Encoded, batches, check_model_source, load_tokenizer, quiet_transformers
from synthlab_ml.runtime import configure_threads, resolve_device


@torch.no_grad()
def embed_texts(model: Any, enc: Encoded, batch_size: int, device: torch.device) -> np.ndarray:
    model.eval()
    out = []
    for idx in batches(len(enc), batch_size):
        batch = enc.batch(idx, device)
        hidden = model(**batch).last_hidden_state.float()
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
        out.append(torch.nn.functional.normalize(pooled, p=2, dim=-1).cpu())
    return torch.cat(out).numpy().astype(np.float32)


def run_embed(config: EmbedConfig, emit: EventWriter) -> int:
    from transformers import AutoModel

    configure_threads()
    device = resolve_device(config.device)
    rows = read_examples(config.input_file)
    check_model_source(config.model_dir, "model_dir")
    tokenizer = load_tokenizer(config.model_dir)
    with quiet_transformers():
        model = AutoModel.from_pretrained(config.model_dir)
    model.to(device)
    vectors = embed_texts(model, Encoded(tokenizer, rows, config.max_length), config.batch_size, device)

    out = Path(config.output_file)
    if out.suffix.lower() == ".npy":
        atomic_write(out, lambda f: np.save(f, vectors))
    else:
        atomic_write_text(out, "".join(dumps({"embedding": v}) + "\n" for v in vectors.tolist()))
    emit("done", n=int(vectors.shape[0]), dim=int(vectors.shape[1]), output_file=str(out.resolve()))
    return 0
