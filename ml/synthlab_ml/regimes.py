"""Training regimes: in which order a run sees its rows' parts, and how a batch's loss is computed.

The `regime` setting (src/config/schema.ts) names the order:
- `mix` (and `standard`, its old name): one phase, all rows shuffled together;
- `warmup`: the `synthetic` rows first, then the `gold` rows;
- `reverse`: the `gold` rows first, then the `synthetic` rows.
Each phase trains for up to maxEpochs epochs with its own patience and best epoch on dev; the next
phase starts from the previous phase's best weights with a fresh optimizer and schedule (train.py).
With only one part present there is one phase of all rows, as with `mix`.

The loss is the same in every regime: cross-entropy on hard-labelled rows, T²·KL to the given
distribution on soft-labelled rows, the mean over the batch's rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch
import torch.nn.functional as F

from synthlab_ml.config import TrainConfig
from synthlab_ml.data import Example, Part

PHASE_ORDER: dict[str, tuple[Part, ...]] = {
    "standard": (),
    "mix": (),
    "warmup": ("synthetic", "gold"),
    "reverse": ("gold", "synthetic"),
}


@dataclass(frozen=True)
class Phase:
    """One stretch of training: `part` names the rows it trains on ("all" for every row)."""

    part: str
    rows: list[int]  # indices into the train rows


class Regime:
    def __init__(self, config: TrainConfig) -> None:
        self.config = config
        self.name = config.settings.regime

    def phases(self, examples: Sequence[Example]) -> list[Phase]:
        by_part = {part: [i for i, ex in enumerate(examples) if ex.part == part] for part in PHASE_ORDER[self.name]}
        if sum(1 for rows in by_part.values() if rows) < 2:
            return [Phase("all", list(range(len(examples))))]
        return [Phase(part, rows) for part, rows in by_part.items()]

    def loss(self, logits: torch.Tensor, examples: Sequence[Example]) -> torch.Tensor:
        """Cross-entropy on hard labels; temperature-scaled KL to the given distribution on soft-label rows."""
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


def build_regime(config: TrainConfig) -> Regime:
    return Regime(config)
