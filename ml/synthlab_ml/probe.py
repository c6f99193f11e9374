"""The linear probe: logistic regression on the frozen encoder's mean-pooled sentence vectors.

Used as a training method of its own (`method: "linear-probe"`) and to initialise the head of a
fine-tune (`head_init: "linear-probe"`, LP-FT: Kumar et al. 2022). Features are standardised
(mean and scale of the train rows) before the regression; the model keeps that mean and scale
beside the head, so the result is an ordinary `MeanPooledClassifier` and `predict` needs nothing
else. C is chosen on the dev split from `PROBE_C_GRID` unless the config fixes it.
"""

from __future__ import annotations

import sys
import warnings
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

import numpy as np
import torch

from synthlab_ml.config import BEST_METRICS
from synthlab_ml.metrics import classification_metrics
from synthlab_ml.modeling import Encoded, batches_by_length

# Inverse regularisation strengths tried on the dev split, on standardised features.
PROBE_C_GRID = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)


@torch.no_grad()
def pooled_features(model: Any, encoded: Encoded, batch_size: int, device: torch.device) -> np.ndarray:
    """The model's pooled sentence vectors (before its head), in row order, as float64."""
    was_training = model.training
    model.eval()
    out = np.zeros((len(encoded), int(model.config.hidden_size)), dtype=np.float64)
    for idx in batches_by_length(encoded, batch_size):
        out[idx] = model.pooled(**encoded.batch(idx, device)).double().cpu().numpy()
    model.train(was_training)
    return out


@dataclass
class ProbeFit:
    weight: torch.Tensor  # (labels, hidden): acts on the standardised pooled vector
    bias: torch.Tensor
    feature_mean: torch.Tensor
    feature_scale: torch.Tensor
    c: float
    dev_scores: dict[str, dict[str, float]] = field(default_factory=dict)  # str(C) -> dev metrics
    train_loss: float = 0.0
    iterations: int = 0


def fit_probe(train_x: np.ndarray, train_y: Sequence[int], dev_x: np.ndarray, dev_y: Sequence[int],
              labels: list[str], seed: int, metric: str, c: Optional[float]) -> ProbeFit:
    """Fit on train; with `c` None, try every C of the grid and keep the best on dev (ties: the smaller C)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(train_x)
    train_s, dev_s = scaler.transform(train_x), scaler.transform(dev_x)
    present = sorted({int(label) for label in train_y})
    if len(present) == 1:
        return _one_label_fit(scaler, train_s, dev_s, present[0], labels)
    higher_is_better = BEST_METRICS[metric]
    best: Optional[tuple[float, float, Any]] = None
    dev_scores: dict[str, dict[str, float]] = {}
    for candidate in (PROBE_C_GRID if c is None else (c,)):
        regression = LogisticRegression(C=candidate, max_iter=5000, random_state=seed)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            regression.fit(train_s, np.asarray(train_y))
        for warning in caught:
            print(f"linear probe C={candidate}: {warning.message}", file=sys.stderr)
        scores = _dev_metrics(regression, dev_s, dev_y, labels)
        dev_scores[repr(candidate)] = scores
        score = scores[metric]
        if best is None or (score > best[0] if higher_is_better else score < best[0]):
            best = (score, candidate, regression)
    assert best is not None
    _, chosen_c, regression = best
    coef, intercept = _present_rows(regression)
    weight, bias = _head_weights(coef, intercept, [int(k) for k in regression.classes_], len(labels),
                                 np.vstack([train_s, dev_s]))
    train_probs = _full_probabilities(regression, train_s, len(labels))
    train_loss = float(-np.mean(np.log(np.clip(train_probs[np.arange(len(train_y)), train_y], 1e-12, None))))
    return ProbeFit(weight=weight, bias=bias, c=chosen_c,
                    feature_mean=torch.tensor(scaler.mean_, dtype=torch.float32),
                    feature_scale=torch.tensor(scaler.scale_, dtype=torch.float32), dev_scores=dev_scores, train_loss=train_loss,
                    iterations=int(np.max(regression.n_iter_)))


def _one_label_fit(scaler: Any, train_s: np.ndarray, dev_s: np.ndarray, label: int, labels: list[str]) -> ProbeFit:
    """Training rows of one label (a warm-up phase on synthetic rows one annotator labelled alike): a
    regression needs two, so the head predicts that label with logit 0 on every row (zero weights and
    bias), and the other labels, absent from train, get the learnable bias of `_head_weights`."""
    print(f"linear probe: the training rows all have label {labels[label]!r}; a probe needs two labels, "
          "so the head starts predicting that label, the others below it but learnable", file=sys.stderr)
    hidden = train_s.shape[1]
    weight, bias = _head_weights(np.zeros((1, hidden)), np.zeros(1), [label], len(labels), np.vstack([train_s, dev_s]))
    return ProbeFit(weight=weight, bias=bias, c=0.0,
                    feature_mean=torch.tensor(scaler.mean_, dtype=torch.float32),
                    feature_scale=torch.tensor(scaler.scale_, dtype=torch.float32), train_loss=0.0, iterations=0)


def _full_probabilities(regression: Any, x: np.ndarray, n_labels: int) -> np.ndarray:
    """predict_proba over all labels (a label absent from train gets probability 0)."""
    probs = np.zeros((x.shape[0], n_labels))
    probs[:, regression.classes_] = regression.predict_proba(x)
    return probs


def _dev_metrics(regression: Any, dev_s: np.ndarray, dev_y: Sequence[int], labels: list[str]) -> dict[str, float]:
    probs = _full_probabilities(regression, dev_s, len(labels))
    pred = probs.argmax(axis=1).tolist()
    metrics = classification_metrics(list(dev_y), pred, labels)
    loss = float(-np.mean(np.log(np.clip(probs[np.arange(len(dev_y)), list(dev_y)], 1e-12, None))))
    return {"macro_f1": metrics["macro_f1"], "accuracy": metrics["accuracy"], "loss": loss}


def _present_rows(regression: Any) -> tuple[np.ndarray, np.ndarray]:
    """The regression's coefficients and intercepts, one row per label it saw (`classes_` order).

    A two-class scikit-learn regression keeps one row (the logit of classes_[1]); softmax over
    (0, z) gives the same probabilities.
    """
    coef = np.asarray(regression.coef_, dtype=np.float64)
    intercept = np.asarray(regression.intercept_, dtype=np.float64)
    if coef.shape[0] == 1 and len(regression.classes_) == 2:
        coef = np.vstack([np.zeros_like(coef), coef])
        intercept = np.concatenate([[0.0], intercept])
    return coef, intercept


# How far below the least confident train or dev row's best fitted logit a label absent from train starts.
ABSENT_LABEL_MARGIN = 0.01


def _head_weights(coef: np.ndarray, intercept: np.ndarray, present: list[int], n_labels: int,
                  scored_s: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """The probe as a linear layer over all labels: the fitted rows for the labels in train, and for
    each label absent from train a zero weight row and one bias, the same for all of them.

    That bias is ABSENT_LABEL_MARGIN below the lowest, over the train and dev rows (`scored_s`,
    standardised), of each row's highest fitted logit. So on every train and dev row an absent label
    ranks below the label the probe predicts: the probe never predicts it, and its dev score is the
    fitted labels' own. And it is as close to the others as that allows: level with the best label on
    the least confident row, a few logits below it on a confident one, where cross-entropy on rows of
    that label (gradient -1 on its logit) can raise it. AdamW moves each of its weights by about the
    learning rate a step, so over d standardised features its logit by about lr * d a step: a gap of a
    few logits takes tens of steps at a head rate of 1e-3 on e5-small's 384 features and about a
    thousand at 1e-5, so no larger gap than needed (the log of a small prior would add several logits).
    The former bias of -1e4 looked the same to the probe but no rate could lift it: a warm-up's gold
    phase, which starts from these weights, lost such labels for good. With one fitted label (zero
    weights, logit 0) the absent ones start ABSENT_LABEL_MARGIN below it: all but uniform.
    """
    weight = np.zeros((n_labels, coef.shape[1]))
    bias = np.zeros(n_labels)
    weight[present] = coef
    bias[present] = intercept
    absent = sorted(set(range(n_labels)) - set(present))
    if absent:
        best_fitted = (scored_s @ coef.T + intercept).max(axis=1)
        bias[absent] = float(best_fitted.min()) - ABSENT_LABEL_MARGIN
    return torch.tensor(weight, dtype=torch.float32), torch.tensor(bias, dtype=torch.float32)
