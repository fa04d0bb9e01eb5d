"""What the store holds of a hypothesis as its file reads now, and why stored runs no longer match.

``status``, ``status FILE``, ``plan --store``, ``report`` and ``test`` all
look through ``look_up``, so they agree: each counts the runs the file plans
*now* (its data's content, its baseline, its text) and, where the store
holds the runs of an earlier plan instead, says why (other data, another
baseline, an edited file, keys from an older hypolab).

Example:

    standing = look_up(h, store)
    standing.rows, standing.reasons
"""

from __future__ import annotations

from dataclasses import dataclass

from hypolab.hypothesis.registration import check_registration, stale_reasons
from hypolab.records import Hypothesis, RegistrationCheck, RunResult, RunSpec
from hypolab.store import ArmStatus, RunStore


@dataclass(frozen=True)
class Standing:
    """A hypothesis's runs in a store, as its file plans them now.

    Args:
        specs: the runs planned now.
        records: the stored records of those runs, by key.
        rows: counts per arm (``hypolab status``).
        reasons: why the runs of its last registered plan are not these (empty where they are).
        registration: how the file compares with its first registration.
    """

    specs: list[RunSpec]
    records: dict[str, RunResult]
    rows: list[ArmStatus]
    reasons: list[str]
    registration: RegistrationCheck

    @property
    def missing(self) -> list[RunSpec]:
        return [spec for spec in self.specs if spec.key not in self.records]


def look_up(h: Hypothesis, store: RunStore | None, specs: list[RunSpec] | None = None) -> Standing:
    """Count ``h``'s planned runs in ``store`` (None: nothing stored yet) and explain stale ones.

    Raises:
        DataError: the data cannot be read now (its content is part of every key).
        StoreError: the store cannot be read.
    """
    from hypolab import plan

    specs = plan.plan(h) if specs is None else specs
    planned = [(s.key, s.arm, s.seed) for s in specs]
    if store is None:
        arms = {arm.name: sum(1 for s in specs if s.arm == arm.name) for arm in h.arms}
        rows = [ArmStatus(h.name, arm, n, 0, 0, 0, 0) for arm, n in arms.items()]
        return Standing(specs, {}, rows, [], check_registration(h, None))
    records = store.results_for(key for key, _, _ in planned)
    rows = store.arm_status(h.name, planned)
    reasons: list[str] = []
    if len(records) < len(specs):
        registered = [key for key, _, _ in store.planned(h.name)]
        data = specs[0].data if specs else h.data
        reasons = stale_reasons(h, data, store.plan_identity(h.name), registered, [s.key for s in specs])
    return Standing(specs, records, rows, reasons, check_registration(h, store.registration(h.name)))
