"""What ``pack: auto`` chose for a model on a device, kept between commands (standard library only).

A worker that sizes a pack of a compute-heavy model measures a few training
steps packed and alone (``hypolab.packing.probe``) and records its choice
here, per model shape (the arm's model, batch size, optimizer and data) and
per device; the next command on that machine reuses it instead of measuring
again, and ``hypolab plan`` shows it. A seed's numbers never depend on the
pack size, so neither the measurement nor the cache changes a result.

The file is ``$HYPOLAB_CACHE_DIR/pack-choices.json`` (default
``~/.cache/hypolab``), written whole through ``hypolab.outputs.write_text``.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from hypolab.records import DataConfig, TrainingConfig


#: Multiply-adds per example of one copy above which ``auto`` measures packing before choosing it.
PROBE_MACS = 250_000


@dataclass(frozen=True)
class PackProbe:
    """One measured choice: seeds per model for a model on a device, and why.

    Args:
        device: where it was measured, e.g. ``cpu (tensorflow)``.
        size: seeds per model chosen.
        why: the measurement behind it, in words.
        measured_at: when (UTC, ISO 8601).
    """

    device: str
    size: int
    why: str
    measured_at: str


def cache_file() -> Path:
    """Where the choices are kept: ``$HYPOLAB_CACHE_DIR/pack-choices.json``."""
    folder = os.environ.get("HYPOLAB_CACHE_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "hypolab")
    return Path(folder) / "pack-choices.json"


def shape_key(config: TrainingConfig, data: DataConfig) -> str:
    """What a measurement holds for: the model, batch size and optimizer of an arm, on its data."""
    settings = config.to_dict()
    payload = {"model": settings["model"], "batch_size": settings["batch_size"], "optimizer": settings["optimizer"],
               "data": data.identity() if data.fingerprint is not None else data.to_dict()}  # fmt: skip
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _read() -> dict:
    try:
        found = json.loads(cache_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # no cache yet, or one cut short: measured again
    return found if isinstance(found, dict) else {}


def recorded(config: TrainingConfig, data: DataConfig) -> list[PackProbe]:
    """Every device's recorded choice for this arm's model shape (``hypolab plan`` shows them)."""
    entries = _read().get(shape_key(config, data), {})
    probes = []
    for entry in entries.values() if isinstance(entries, dict) else ():
        try:
            probes.append(PackProbe(**entry))
        except TypeError:
            continue
    return sorted(probes, key=lambda p: p.device)


def plan_lines(arms, data: DataConfig, seeds: int, pack) -> list[str]:
    """What ``hypolab plan`` says about seeds per model: the file's ``pack``, or what ``auto`` chose here and why.

    Args:
        arms: ``(name, config)`` of the arms that train in the packed engine.
        data: the planned data config (with its fingerprint).
        seeds: seeds per arm.
        pack: the file's ``pack``.
    """
    if not arms:
        return []
    if pack != "auto":
        return [f"pack: {pack} seed{'s' if pack != 1 else ''} per model (the file's pack)"]
    lines = []
    for name, config in arms:
        for probe in recorded(config, data):
            lines.append(f"pack: auto chose {probe.size} seed{'s' if probe.size != 1 else ''} per model for {name} "
                         f"on {probe.device}: {probe.why} ({probe.measured_at})")  # fmt: skip
    if len(lines) < len(arms):
        lines.append(f"pack: auto: each arm trains as many of its {seeds} seeds in one model as the memory of the "
                     f"device that trains them holds (GPU memory on a GPU), decided where runs train; a model of "
                     f"over {PROBE_MACS:,} multiply-adds per example is first timed packed and alone on that "
                     "device, and packed only where that is no slower")  # fmt: skip
    return lines


def lookup(config: TrainingConfig, data: DataConfig, device: str) -> PackProbe | None:
    """The recorded choice for this model shape on ``device``, or None."""
    return next((p for p in recorded(config, data) if p.device == device), None)


def remember(config: TrainingConfig, data: DataConfig, probe: PackProbe) -> None:
    """Record ``probe``; a cache that cannot be written is left as it is (the next command measures again)."""
    from hypolab.errors import OutputError
    from hypolab.outputs import write_text

    cache = _read()
    cache.setdefault(shape_key(config, data), {})[probe.device] = asdict(probe)
    try:
        write_text(cache_file(), json.dumps(cache, indent=1, sort_keys=True))
    except (OSError, OutputError):
        pass
