from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Any, Callable

import pytest

from synthlab_ml.config import default_trainer_settings

# Must be set before torch/transformers are imported by the tests.
os.environ.setdefault("SYNTHLAB_TORCH_THREADS", "2")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ML_ROOT = Path(__file__).resolve().parents[1]
DATA_ROOT = Path(os.environ.get("SYNTHLAB_DATA_DIR", ML_ROOT.parents[1] / "shared" / "data"))
SIB_DIR = DATA_ROOT / "sib200" / "eng_Latn"
LABELS = ["science/technology", "travel", "politics", "sports", "health", "entertainment", "geography"]


def read_sib(split: str, n: int) -> list[dict[str, str]]:
    path = SIB_DIR / f"{split}.tsv"
    if not path.is_file():
        pytest.fail(f"real data not found at {path}: the tests read SIB-200 from ../shared/data (or SYNTHLAB_DATA_DIR)")
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [{"text": r["text"], "label": r["category"]} for _, r in zip(range(n), reader)]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def write_json(path: Path, obj: Any) -> Path:
    path.write_text(json.dumps(obj), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from synthlab_ml.tiny_model import make_tiny_model

    return make_tiny_model(tmp_path_factory.mktemp("tiny") / "model")


@pytest.fixture(scope="session")
def sib_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("sib")
    return {
        "train": write_jsonl(root / "train.jsonl", read_sib("train", 48)),
        "dev": write_jsonl(root / "dev.jsonl", read_sib("dev", 24)),
        "test": write_jsonl(root / "test.jsonl", read_sib("test", 30)),
    }


@pytest.fixture
def train_config(tmp_path: Path, tiny_model: Path, sib_files: dict[str, Path]) -> Callable[..., Path]:
    """Returns a function writing a train config (overrides merged in) and returning its path."""

    def make(**overrides: Any) -> Path:
        """Overrides named like a trainer setting (camelCase, as the zod schema declares it) go into `settings`."""
        setting_names = set(default_trainer_settings())
        # The classic recipe ([CLS] head, fresh, every weight trained, one pass an epoch) unless a test asks
        # for the few-shot one: the tiny model's tests count epochs and compare checkpoints.
        settings = default_trainer_settings(lr=1e-3, batchSize=16, maxLength=48, maxEpochs=2, patience=5, device="cpu",
                                            pooling="cls", headInit="random", minSteps=0, freezeEmbeddings=False)
        config: dict[str, Any] = {
            "model": str(tiny_model), "train_file": str(sib_files["train"]), "dev_file": str(sib_files["dev"]),
            "labels": LABELS, "output_dir": str(tmp_path / "run"), "seed": 13, "settings": settings,
        }
        for key, value in overrides.items():
            (settings if key in setting_names else config)[key] = value
        return write_json(tmp_path / f"train-{len(list(tmp_path.glob('train-*.json')))}.json", config)

    return make


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict[str, Any]], str]:
    """Run the CLI in-process; returns (exit code, stdout events, stderr)."""
    from synthlab_ml.cli import main

    code = main(list(argv))
    captured = capsys.readouterr()
    events = [json.loads(line) for line in captured.out.splitlines() if line.strip()]
    return code, events, captured.err
