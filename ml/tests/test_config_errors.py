"""Bad config / bad data must exit 2 with a message naming the key or file:line."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import LABELS, run_cli, write_json, write_jsonl
from synthlab_ml.config import default_trainer_settings


def _error(events: list[dict]) -> dict:
    assert events and events[-1]["event"] == "error", events
    assert events[-1]["retryable"] is False
    return events[-1]


def test_missing_key_exits_2(capsys, train_config, tmp_path: Path) -> None:
    config = json.loads(train_config().read_text())
    del config["labels"]
    code, events, err = run_cli(capsys, "train", "--config", str(write_json(tmp_path / "c.json", config)))
    assert code == 2
    assert "missing required key 'labels'" in err
    assert "'labels'" in _error(events)["message"]


def test_unknown_key_exits_2(capsys, train_config) -> None:
    code, events, err = run_cli(capsys, "train", "--config", str(train_config(learning_rate=0.1)))
    assert code == 2
    assert "unknown key 'learning_rate'" in err


def test_wrong_type_exits_2(capsys, train_config) -> None:
    code, _, err = run_cli(capsys, "train", "--config", str(train_config(batchSize="16")))
    assert code == 2 and "'settings.batchSize'" in err


def test_missing_setting_is_named(capsys, train_config, tmp_path: Path) -> None:
    config = json.loads(train_config().read_text())
    del config["settings"]["patience"]
    code, _, err = run_cli(capsys, "train", "--config", str(write_json(tmp_path / "c.json", config)))
    assert code == 2 and "missing required key 'settings.patience'" in err


def test_out_of_range_setting_is_named(capsys, train_config) -> None:
    code, _, err = run_cli(capsys, "train", "--config", str(train_config(warmupRatio=1.5)))
    assert code == 2 and "key 'settings.warmupRatio' must be <= 1, got 1.5" in err


def test_unknown_label_names_file_and_line(capsys, train_config, sib_files, tmp_path: Path) -> None:
    rows = [json.loads(line) for line in sib_files["train"].read_text().splitlines()[:5]]
    rows[3]["label"] = "cooking"
    bad = write_jsonl(tmp_path / "bad.jsonl", rows)
    code, events, err = run_cli(capsys, "train", "--config", str(train_config(train_file=str(bad))))
    assert code == 2
    assert f"{bad}:4:" in err and "'cooking'" in err
    assert f"{bad}:4:" in _error(events)["message"]


def test_missing_and_empty_files_exit_2(capsys, train_config, tmp_path: Path) -> None:
    missing = tmp_path / "nope.jsonl"
    code, _, err = run_cli(capsys, "train", "--config", str(train_config(dev_file=str(missing))))
    assert code == 2 and str(missing) in err and "not found" in err

    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")
    code, _, err = run_cli(capsys, "train", "--config", str(train_config(dev_file=str(empty))))
    assert code == 2 and str(empty) in err and "empty" in err


def test_invalid_json_row_names_line(capsys, train_config, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "a", "label": "travel"}\n{"text": \n')
    code, _, err = run_cli(capsys, "train", "--config", str(train_config(train_file=str(bad))))
    assert code == 2 and f"{bad}:2:" in err


def test_missing_config_file_exits_2(capsys, tmp_path: Path) -> None:
    code, _, err = run_cli(capsys, "predict", "--config", str(tmp_path / "none.json"))
    assert code == 2 and "none.json" in err


def test_predict_label_mismatch_exits_2(capsys, tmp_path: Path, tiny_model: Path, sib_files) -> None:
    # The tiny model has no head yet (2 generic labels by default) -> label count mismatch.
    config = write_json(tmp_path / "p.json", {
        "model_dir": str(tiny_model), "input_file": str(sib_files["test"]), "labels": LABELS, "checkpoints": "best",
        "output_file": str(tmp_path / "out.jsonl"), "settings": default_trainer_settings(device="cpu")})
    code, _, err = run_cli(capsys, "predict", "--config", str(config))
    assert code == 2 and "labels" in err


def test_offline_hub_id_must_be_in_the_local_cache(monkeypatch, tmp_path: Path) -> None:
    """Offline, a hub id is loaded from the Hugging Face cache when its `main` revision is there (as the TS pre-flight checks), else refused."""
    import pytest
    from huggingface_hub import constants

    from synthlab_ml.errors import ConfigError
    from synthlab_ml.modeling import check_model_source

    cache = tmp_path / "hub"
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))
    with pytest.raises(ConfigError, match="not in the local Hugging Face cache"):
        check_model_source("example-org/tiny-encoder", "model")

    snapshot = cache / "models--example-org--tiny-encoder" / "snapshots" / "0123abcd"
    snapshot.mkdir(parents=True)
    (snapshot / "config.json").write_text("{}")
    with pytest.raises(ConfigError):  # a snapshot that `main` does not point at is not what transformers loads
        check_model_source("example-org/tiny-encoder", "model")
    (cache / "models--example-org--tiny-encoder" / "refs").mkdir()
    (cache / "models--example-org--tiny-encoder" / "refs" / "main").write_text("0123abcd")
    check_model_source("example-org/tiny-encoder", "model")
