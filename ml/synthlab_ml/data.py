"""JSONL dataset reading with validation errors that name the file and line."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Optional

from synthlab_ml.errors import DataError

Part = Literal["synthetic", "gold"]
PARTS: tuple[Part, ...] = ("synthetic", "gold")


@dataclass
class Example:
    text: str
    text_pair: Optional[str] = None
    label: Optional[int] = None  # index into the labels list
    soft_label: Optional[list[float]] = None  # normalised distribution, labels order
    line: int = 0
    part: Part = "gold"  # which part of a training set the row belongs to (the phases of regimes.py)


def read_examples(
    path: str | Path,
    labels: Optional[list[str]] = None,
    *,
    label_required: bool = False,
    allow_soft: bool = False,
) -> list[Example]:
    """Read `{"text", "label"?, "text_pair"?, "soft_label"?, "part"?}` rows.

    A row with a soft_label but no label gets the soft label's argmax as its hard label.
    `part` is "synthetic" or "gold" (absent: "gold"); only the training regimes look at it.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    index = {lab: i for i, lab in enumerate(labels or [])}
    out: list[Example] = []
    with path.open("r", encoding="utf-8") as f:
        for lineno, raw in enumerate(f, start=1):
            if not raw.strip():
                continue
            out.append(_parse_row(raw, path, lineno, labels, index, label_required, allow_soft))
    if not out:
        raise DataError(f"{path}: dataset is empty (no JSONL rows)")
    return out


def _parse_row(
    raw: str,
    path: Path,
    lineno: int,
    labels: Optional[list[str]],
    index: dict[str, int],
    label_required: bool,
    allow_soft: bool,
) -> Example:
    where = f"{path}:{lineno}"
    try:
        row = json.loads(raw)
    except json.JSONDecodeError as e:
        raise DataError(f"{where}: invalid JSON: {e.msg}") from None
    if not isinstance(row, dict):
        raise DataError(f"{where}: row must be a JSON object")
    text = row.get("text")
    if not isinstance(text, str):
        raise DataError(f"{where}: field 'text' must be a string")
    pair = row.get("text_pair")
    if pair is not None and not isinstance(pair, str):
        raise DataError(f"{where}: field 'text_pair' must be a string")

    part = row.get("part", "gold")
    if part not in PARTS:
        raise DataError(f"{where}: field 'part' must be one of {list(PARTS)}, got {json.dumps(part)}")

    soft: Optional[list[float]] = None
    if row.get("soft_label") is not None:
        if not allow_soft:
            raise DataError(f"{where}: field 'soft_label' is only allowed in the train file")
        soft = _parse_soft(row["soft_label"], where, len(labels or []))

    label: Optional[int] = None
    gold = row.get("label")
    if gold is not None and labels is not None:
        if not isinstance(gold, str):
            raise DataError(f"{where}: field 'label' must be a string")
        if gold not in index:
            raise DataError(f"{where}: label {gold!r} is not in labels {labels}")
        label = index[gold]
    elif soft is not None:
        label = max(range(len(soft)), key=soft.__getitem__)
    elif label_required:
        raise DataError(f"{where}: field 'label' is missing")
    return Example(text=text, text_pair=pair, label=label, soft_label=soft, line=lineno, part=part)


def _parse_soft(value: object, where: str, n_labels: int) -> list[float]:
    if not isinstance(value, list) or len(value) != n_labels:
        raise DataError(f"{where}: field 'soft_label' must be a list of {n_labels} numbers (labels order)")
    probs: list[float] = []
    for v in value:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
            raise DataError(f"{where}: field 'soft_label' must hold finite non-negative numbers")
        probs.append(float(v))
    total = sum(probs)
    if total <= 0:
        raise DataError(f"{where}: field 'soft_label' must not sum to 0")
    return [p / total for p in probs]
