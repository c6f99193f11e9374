"""Training regimes: how a batch's loss is computed from the model's logits.

A regime gets the logits and the batch's examples and returns a scalar loss. New regimes
(e.g. curriculum or data-selection variants) subclass `Regime`, register in `REGIMES`
and are listed in the `regime` setting of src/config/schema.ts; the training loop does not change.
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F

from synthlab_ml.config import TrainConfig
from synthlab_ml.data import Example


class Regime:
    name = "base"

    def __init__(self, config: TrainConfig) -> None:
        self.config = config

    def loss(self, logits: torch.Tensor, examples: Sequence[Example]) -> torch.Tensor:
        raise NotImplementedError


class StandardRegime(Regime):
    """Cross-entropy on hard labels; temperature-scaled KL to the given distribution on soft-label rows."""

    name = "standard"

    def loss(self, logits: torch.Tensor, examples: Sequence[Example]) -> torch.Tensor:
        device = logits.device
        soft_mask = torch.tensor([ex.soft_label is not None for ex in examples], device=device)
        per_row = torch.zeros(len(examples), device=device, dtype=logits.dtype)
        hard = ~soft_mask
        if hard.any():
            targets = torch.tensor([ex.label for ex in examples if ex.soft_label is None],
                                   dtype=torch.long, device=device)
            per_row[hard] = F.cross_entropy(logits[hard], targets, reduction="none")
        if soft_mask.any():
            t = self.config.settings.soft_label_temperature
            teacher = torch.tensor([ex.soft_label for ex in examples if ex.soft_label is not None],
                                   dtype=logits.dtype, device=device)
            student_logp = F.log_softmax(logits[soft_mask] / t, dim=-1)
            # KL(teacher || student_T) per row; xlogy makes 0 * log 0 = 0 for zero teacher mass.
            kl = (torch.xlogy(teacher, teacher) - teacher * student_logp).sum(dim=-1)
            # T^2 keeps gradient magnitudes comparable to the hard-label CE (Hinton et al.)
            per_row[soft_mask] = kl * (t * t)
        return per_row.mean()


REGIMES: dict[str, type[Regime]] = {StandardRegime.name: StandardRegime}


def build_regime(config: TrainConfig) -> Regime:
    return REGIMES[config.settings.regime](config)
