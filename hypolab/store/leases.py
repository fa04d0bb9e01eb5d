"""Who trains a run: owners, claims and when a lease is stale.

A process *claims* a run before training it (a row of the ``leases`` table),
refreshes its leases with a heartbeat, and drops them when the record is
written. A lease whose process is gone (same host, dead PID) or whose
heartbeat is older than the store's ``lease_seconds`` is stale.
"""

from __future__ import annotations

import enum
import os
import socket
import sqlite3
import uuid

from hypolab.records import RunStatus

#: A lease whose heartbeat is older than this is stale (its owner hung or
#: runs on another host that died).
LEASE_SECONDS = 300.0


class Claim(str, enum.Enum):
    """What ``RunStore.claim`` found."""

    CLAIMED = "claimed"  # the caller owns the run now and must train it
    DONE = "done"  # a usable record exists; nothing to train
    BUSY = "busy"  # another live process is training it


def new_owner() -> str:
    """A fresh owner id for one ``hypolab test`` invocation's leases."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def is_live(lease: sqlite3.Row, now: float, lease_seconds: float) -> bool:
    """Whether a lease's owner still trains its run: a recent heartbeat and, on this host, a live process."""
    if now - lease["heartbeat_at"] > lease_seconds:
        return False
    if lease["host"] == socket.gethostname():
        return _pid_alive(lease["pid"])
    return True


def counts_as_done(row: sqlite3.Row, fresh_since: float | None, retry_failed_before: float | None) -> bool:
    """Whether a stored record (its ``status`` and ``recorded_at``) spares the run from training again."""
    if fresh_since is not None and row["recorded_at"] < fresh_since:
        return False
    if row["status"] == RunStatus.FAILED.value and retry_failed_before is not None:
        return row["recorded_at"] >= retry_failed_before
    return True


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return _not_zombie(pid)


def _not_zombie(pid: int) -> bool:
    # A killed child that its parent has not reaped yet still answers kill(0).
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True

