"""Classification metrics (numpy only; macro-F1 matches sklearn's default average='macro')."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np


def confusion_matrix(gold: Sequence[int], pred: Sequence[int], n_labels: int) -> np.ndarray:
    cm = np.zeros((n_labels, n_labels), dtype=np.int64)
    np.add.at(cm, (np.asarray(gold, dtype=np.int64), np.asarray(pred, dtype=np.int64)), 1)
    return cm


def classification_metrics(gold: Sequence[int], pred: Sequence[int], labels: list[str]) -> dict[str, Any]:
    """Accuracy, macro-F1, per-class F1 and confusion matrix (rows = gold, cols = pred).

    Macro-F1 averages over labels that occur in gold or pred (like sklearn without `labels=`),
    so a small dev set that lacks a class is not punished with a 0 for it.
    """
    cm = confusion_matrix(gold, pred, len(labels))
    tp = np.diag(cm).astype(np.float64)
    support = cm.sum(axis=1).astype(np.float64)
    predicted = cm.sum(axis=0).astype(np.float64)
    denom = support + predicted
    f1 = np.divide(2 * tp, denom, out=np.zeros_like(tp), where=denom > 0)
    present = denom > 0
    n = int(cm.sum())
    return {
        "accuracy": float(tp.sum() / n) if n else 0.0,
        "macro_f1": float(f1[present].mean()) if present.any() else 0.0,
        "per_class_f1": {lab: float(f1[i]) for i, lab in enumerate(labels)},
        "confusion_matrix": cm.tolist(),
        "labels": list(labels),
        "n": n,
    }
