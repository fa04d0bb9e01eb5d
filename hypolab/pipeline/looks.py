"""Sequential tests: train up to each look, analyse it, record it, stop or go on.

The loop around the driver's round training (``training._train_missing``):
for look ``k``, the control and every treatment not yet decided train their
first ``looks[k]`` seeds (in the same balanced rounds as a fixed design, so
runs already in the store count, whichever hypothesis trained them), the
look is analysed (``hypolab.stats.sequential.looks.analyze_look``) and
recorded in the store (``RunStore.record_looks``), and decided treatments
stop training. The recorded looks are the truth: a rerun after an
interruption reads them back and continues at the first look not recorded,
and a look once recorded is never analysed again.

Looks belong to the hypothesis's *design* (``design_key``): its planned runs
and every setting a look's decision rests on, so an edited file starts a
sequential test of its own.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import replace

from hypolab.errors import HypolabError
from hypolab.fingerprint import text_sha256
from hypolab.records import Hypothesis, Look, LookSettings, RunSpec
from hypolab.store import RunStore


def design_key(h: Hypothesis, specs: Sequence[RunSpec]) -> str:
    """What a sequential test's looks rest on: the planned runs and the analysis settings, hashed."""
    settings = {
        "runs": [spec.key for spec in specs], "sequential": h.sequential.to_dict(), "metric": h.metric,
        "direction": h.direction.value, "alpha": h.alpha, "margin": h.margin, "test": h.test.value,
        "pairing": h.pairing.value, "correction": h.correction.value, "failed_as_worst": h.failed_as_worst,
        "control": h.control.name, "treatments": [arm.name for arm in h.treatments],
    }  # fmt: skip
    return text_sha256(json.dumps(settings, sort_keys=True))[:16]


def look_specs(h: Hypothesis, specs: Sequence[RunSpec], seeds: int, arms: Sequence[str]) -> list[RunSpec]:
    """The planned runs of ``arms`` on the first ``seeds`` seeds of ``h``, in plan order."""
    first = set(h.seeds[:seeds])
    return [spec for spec in specs if spec.arm in arms and spec.seed in first]


def needed_specs(h: Hypothesis, specs: Sequence[RunSpec], looks: Sequence[Look]) -> list[RunSpec]:
    """The runs the recorded looks rest on: each arm up to its last look (the control up to the last of all).

    Before any look is recorded, the runs of the first look.
    """
    last = {look.treatment: look.look for look in looks}
    design = h.sequential
    reach = {arm.name: design.looks[last.get(arm.name, 1) - 1] for arm in h.treatments}
    reach[h.control.name] = max(reach.values())
    position = {seed: i for i, seed in enumerate(h.seeds)}
    return [spec for spec in specs if position[spec.seed] < reach[spec.arm]]


def train_looks(h: Hypothesis, specs: list[RunSpec], store: RunStore, *, rerun: bool,
                train: Callable[[list[RunSpec]], int]) -> tuple[int, list[Look]]:  # fmt: skip
    """Train and decide the looks of ``h`` not recorded yet; return the runs trained and every look.

    Args:
        h: a hypothesis with ``sequential``.
        specs: its whole plan (the largest look's runs).
        store: the run store (the looks are read from and written to it).
        rerun: ``--rerun`` was asked for: refused once a look is recorded.
        train: trains what the store lacks of the given runs, returns how many trained.

    Raises:
        HypolabError: ``rerun`` where looks are recorded (they are final).
        AnalysisError: a look cannot be analysed.
    """
    from hypolab.pipeline import metric_values
    from hypolab.stats.sequential.looks import analyze_look

    design = design_key(h, specs)
    recorded = store.looks(h.name, design)
    if rerun and recorded:
        raise HypolabError(
            f"{h.path}: --rerun would retrain runs whose looks are decided, and a sequential test's recorded "
            f"looks are final ({len({look.look for look in recorded})} looks recorded in {store.path}). Run the "
            "same command without --rerun to go on from the last look, or pass --store with another file to "
            "test afresh."
        )
    treatments = [arm.name for arm in h.treatments]
    trained = 0
    for k, seeds in enumerate(h.sequential.looks, start=1):
        decided = {look.treatment for look in recorded if look.decision.stops and look.look < k}
        active = [h.control.name, *(name for name in treatments if name not in decided)]
        if len(active) == 1 or any(look.look == k for look in recorded):
            continue  # everything is decided, or this look is (the truth: never analysed again)
        runs = look_specs(h, specs, seeds, active)
        trained += train(runs)
        found = store.results_for(spec.key for spec in runs)
        missing = [spec for spec in runs if spec.key not in found]
        if missing:
            raise HypolabError(f"{len(missing)} runs of look {k} have no record after training (first: "
                               f"{missing[0].arm}, seed {missing[0].seed}). Run the same command again to train them.")
        values, seed_of, failed = metric_values(h, [replace(found[spec.key], arm=spec.arm) for spec in runs])
        keep = [arm for arm in values if arm in active]
        new = analyze_look({a: values[a] for a in keep}, control=h.control.name, config=h.sequential, look=k,
                           settings=LookSettings.of(h), recorded=recorded, family=treatments,
                           seeds={a: seed_of[a] for a in keep}, failed_seeds={a: failed[a] for a in keep})  # fmt: skip
        store.record_looks(h.name, design, new)
        recorded = store.looks(h.name, design)  # the truth, whoever recorded this look first
    return trained, recorded
