"""Who trains a run: owners, claims and when a lease is stale.

A process *claims* a run before training it (a row of the ``leases`` table),
refreshes its leases with a heartbeat, and drops them when the record is
written. A lease whose process is gone (same host, dead PID, or a live PID
that now belongs to another process: its start time differs from the one
recorded with the lease) or whose heartbeat is older than the store's
``lease_seconds`` is stale.
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
    """Whether a lease's owner still trains its run: a recent heartbeat and, on this host, a live process.

    The process must be the one that claimed: a PID the system gave to a new
    process since (a reboot, a busy machine) has another start time.
    """
    if now - lease["heartbeat_at"] > lease_seconds:
        return False
    if lease["host"] == socket.gethostname():
        if not _pid_alive(lease["pid"]):
            return False
        recorded = lease["started"] if "started" in lease.keys() else ""
        now_started = process_started(lease["pid"])
        return not recorded or now_started is None or now_started == recorded
    return True


def process_started(pid: int) -> str | None:
    """When process ``pid`` started, as ``<boot id>:<start ticks>``; None where the system does not say.

    Linux keeps both in ``/proc``: the boot id changes at every boot, the
    start time (clock ticks since boot, field 22 of ``/proc/<pid>/stat``)
    differs for every process that gets the same PID within one boot.
    """
    try:
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as boot:
            boot_id = boot.read().strip()
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return f"{boot_id}:{fields[19]}"  # fields after the name start at field 3
    except (OSError, IndexError):
        return None


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

