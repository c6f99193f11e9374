"""`make-tiny-model`: a tiny random-init BERT with a real tokenizer, for fast tests."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Optional

from synthlab_ml.paths import minilm_dir

TOKENIZER_FILES = ("vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")


def make_tiny_model(output: str | Path, vocab_from: Optional[str | Path] = None, seed: int = 0) -> Path:
    import torch
    from transformers import AutoTokenizer, BertConfig, BertModel

    from synthlab_ml.modeling import quiet_transformers

    src = Path(vocab_from) if vocab_from else minilm_dir()
    out = Path(output)
    out.mkdir(parents=True, exist_ok=True)
    for name in TOKENIZER_FILES:
        if (src / name).is_file():
            shutil.copy2(src / name, out / name)
    with quiet_transformers():
        tokenizer = AutoTokenizer.from_pretrained(str(out))
    config = BertConfig(
        vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=512, pad_token_id=tokenizer.pad_token_id or 0,
    )
    torch.manual_seed(seed)
    # Saved as a bare encoder (like all-MiniLM-L6-v2): `train` adds a head for its own labels.
    BertModel(config).save_pretrained(out, safe_serialization=True)
    return out.resolve()
