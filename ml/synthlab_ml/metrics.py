"""Classification metrics through scikit-learn, as the JSON the activities read (metrics.json)."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score


def classification_metrics(gold: Sequence[int], pred: Sequence[int], labels: list[str]) -> dict[str, Any]:
    """Accuracy, macro-F1, per-class F1 and confusion matrix (rows = gold, cols = pred).

    `gold` and `pred` are indices into `labels`. Macro-F1 averages over the labels that occur in
    gold or pred (sklearn's default set without `labels=`), so a small dev set that lacks a class
    is not punished with a 0 for it; a label that is gold but never predicted counts as F1 0.
    Per-class F1 and the confusion matrix cover every label, in the order of `labels`.
    """
    all_labels = list(range(len(labels)))
    n = len(gold)
    if n == 0:
        return {
            "accuracy": 0.0,
            "macro_f1": 0.0,
            "per_class_f1": {label: 0.0 for label in labels},
            "confusion_matrix": np.zeros((len(labels), len(labels)), dtype=np.int64).tolist(),
            "labels": list(labels),
            "n": 0,
        }
    occurring = sorted(set(gold) | set(pred))
    per_class = f1_score(gold, pred, labels=all_labels, average=None, zero_division=0)
    return {
        "accuracy": float(accuracy_score(gold, pred)),
        "macro_f1": float(f1_score(gold, pred, labels=occurring, average="macro", zero_division=0)),
        "per_class_f1": {label: float(per_class[index]) for index, label in enumerate(labels)},
        "confusion_matrix": confusion_matrix(gold, pred, labels=all_labels).tolist(),
        "labels": list(labels),
        "n": n,
    }


def prediction_warnings(pred: Sequence[int], labels: list[str]) -> list[str]:
    """What a report should say about a model's predictions besides its scores: a model that answers
    one label for every row learned nothing (its macro-F1 sits at or below chance), and labels it never
    answers usually had no training rows. `pred` indexes `labels`; nothing to say about zero rows."""
    n = len(pred)
    predicted = sorted(set(pred))
    if n == 0:
        return []
    if len(predicted) == 1:
        return [f"predicts one label ({labels[predicted[0]]!r}) for all {n} rows"]
    never = [labels[k] for k in range(len(labels)) if k not in set(predicted)]
    if never:
        return [f"never predicts {len(never)} of {len(labels)} labels on {n} rows: {', '.join(repr(label) for label in never)}"]
    return []
