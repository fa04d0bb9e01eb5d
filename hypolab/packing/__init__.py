"""Seed packing: train the seeds of one arm together, as one Keras model.

An arm's K seeds become K independent copies of its network with stacked
weights (``layers``, ``conv``, ``dropout``), built from the plain model of each
seed (``model``, ``network``), trained by one fused step with per-copy loss,
metrics, early stopping and divergence (``objective``, ``copies``, ``fit``) and
evaluated per copy (``evaluate``); ``train`` turns a pack into run records and
``sizing`` says which configs pack and how many seeds go in one pack. A seed's
results do not depend on packing.

Example:

    if supports(config):
        for pack in split_packs(specs, pack_size(config, dataset, len(specs))):
            results += train_pack(pack, dataset, device="auto")
"""

from __future__ import annotations

from hypolab.packing.sizing import choose_pack, estimate_memory, pack_size, split_packs, supports, unsupported_reason
from hypolab.packing.train import train_pack, train_pack_in

__all__ = [
    "choose_pack",
    "estimate_memory",
    "pack_size",
    "split_packs",
    "supports",
    "train_pack",
    "train_pack_in",
    "unsupported_reason",
]
