"""The device runs train on: the backend's set-up, op placement, and the machine's memory.

Set-up is process state (which GPUs the backend sees, memory growth, op
determinism), so it is done where runs train, by the executor's worker, from
plain data: a device name and the ``deterministic`` flag. ``prepare`` may be
called again in the same process; it then only describes what was set up.
Keras is imported inside the functions, after ``cpu`` has hidden the GPUs
from CUDA and JAX, which read that when the backend first starts.

Example:

    environment = prepare("cpu")
    with placement(environment.device):
        model.fit(...)
"""

from __future__ import annotations

import contextlib
import os
import platform
import subprocess
import sys
from importlib import metadata

from hypolab import backend_log
from hypolab.errors import DeviceError
from hypolab.records.runs import DEVICES, Device
from hypolab.run_record import Environment

_BACKEND_PACKAGES = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}
_XLA_DETERMINISM = "--xla_gpu_deterministic_ops=true"


def prepare(device: Device = "auto", *, deterministic: bool = False) -> Environment:
    """Set up the backend for ``device`` in this process and describe where runs train.

    ``cpu`` hides the GPUs (fully effective when called before the backend
    first touches a GPU; runs also place every op on the CPU). ``auto`` uses
    a visible GPU, with TensorFlow's memory growth on so several processes
    can share it. ``deterministic`` asks for deterministic GPU ops.

    Args:
        device: ``auto``, ``cpu`` or ``gpu``.
        deterministic: enable op determinism (slower on GPU; CPU runs are
            deterministic already).

    Returns:
        An ``Environment``: the device as runs use it (``cpu`` or e.g.
        ``gpu:0 (NVIDIA H100 80GB HBM3)``), the backend and the versions.

    Raises:
        DeviceError: an unknown device, or ``gpu`` asked for and no GPU is visible.
    """
    if device not in DEVICES:
        raise DeviceError(f"device must be one of {', '.join(DEVICES)}. Got {device!r} instead.")
    if device == "cpu":
        # Read by CUDA and JAX when the backend first initialises; harmless afterwards.
        os.environ["CUDA_VISIBLE_DEVICES"] = "-1"
        os.environ["JAX_PLATFORMS"] = "cpu"
    if deterministic:
        os.environ["TF_DETERMINISTIC_OPS"] = "1"
        os.environ["CUBLAS_WORKSPACE_CONFIG"] = ":4096:8"
    # The backend's C++ start-up lines come at its import and at its first device query.
    with backend_log.quiet():
        import keras

        if deterministic and hasattr(keras.config, "enable_op_determinism"):  # newer Keras releases
            keras.config.enable_op_determinism()
        backend = keras.backend.backend()
        gpu_name = _configure_backend(backend, hide_gpus=device == "cpu", deterministic=deterministic)
    if device == "gpu" and gpu_name is None:
        raise DeviceError(
            f"--device gpu: no GPU is visible to the {backend} backend. Expected a CUDA GPU with "
            "drivers installed (pip install 'hypolab[gpu]'); use --device auto or cpu to train on the CPU."
        )
    described = "cpu" if device == "cpu" or gpu_name is None else f"gpu:0 ({gpu_name})"
    return Environment(device=described, backend=backend, versions=_versions(backend, keras.__version__))


def prepare_device(device: Device = "auto", *, deterministic: bool = False) -> str:
    """``prepare(device).device``: set the backend up and say what runs will use, e.g. ``cpu``."""
    return prepare(device, deterministic=deterministic).device


def _configure_backend(backend: str, *, hide_gpus: bool, deterministic: bool) -> str | None:
    """Backend-specific set-up; returns the first GPU's name, or None."""
    if backend == "tensorflow":
        import tensorflow as tf  # only here: memory growth and visibility have no Keras API

        gpus = tf.config.list_physical_devices("GPU")
        try:
            if hide_gpus:
                tf.config.set_visible_devices([], "GPU")
            for gpu in gpus:
                tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:
            pass  # the runtime is initialised already (an earlier call, a notebook); keep its settings
        if deterministic:
            tf.config.experimental.enable_op_determinism()
        if hide_gpus or not tf.config.list_logical_devices("GPU"):
            return None
        return tf.config.experimental.get_device_details(gpus[0]).get("device_name", "GPU")
    if backend == "jax":
        import jax

        flags = os.environ.get("XLA_FLAGS", "")
        if deterministic and _XLA_DETERMINISM not in flags:
            os.environ["XLA_FLAGS"] = f"{flags} {_XLA_DETERMINISM}".strip()
        gpus = [] if hide_gpus else [d for d in jax.devices() if d.platform == "gpu"]
        return gpus[0].device_kind if gpus else None
    if backend == "torch":
        import torch

        if deterministic:
            torch.use_deterministic_algorithms(True)
        if hide_gpus or not torch.cuda.is_available():
            return None
        return torch.cuda.get_device_name(0)
    return None


def _versions(backend: str, keras_version: str) -> dict[str, str]:
    import numpy as np

    versions = {
        "hypolab": _version("hypolab"),
        "keras": keras_version,
        "python": platform.python_version(),
        "numpy": np.__version__,
    }
    package = _BACKEND_PACKAGES.get(backend)
    if package:
        versions[package] = _version(package)
    return versions


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        module = sys.modules.get(package)
        return str(getattr(module, "__version__", "unknown"))


def placement(described: str) -> contextlib.AbstractContextManager:
    """The device scope a run trains in: the CPU where ``described`` is ``cpu``.

    The torch backend needs ``"cpu"``: under ``"cpu:0"`` it moves every weight
    to a device it sees as another, and the copies get no gradients.
    """
    if described != "cpu":
        return contextlib.nullcontext()
    import keras

    return keras.device("cpu" if keras.backend.backend() == "torch" else "cpu:0")


def device_memory(described: str) -> int:
    """Bytes free on the device runs train on: the GPU's own memory on a GPU, else ``available_memory()``.

    ``described`` is ``Environment.device`` (``cpu`` or ``gpu:0 (...)``). Read on
    the worker that trains (pack sizing calls it there). Where a GPU's free
    memory cannot be read, the machine's is used.
    """
    if described.startswith("gpu"):
        free = _gpu_free_bytes()
        if free is not None:
            return free
    return available_memory()


def _gpu_free_bytes() -> int | None:
    """Free bytes of the first visible GPU, from the backend (JAX, torch) or ``nvidia-smi`` (TensorFlow)."""
    import keras

    backend = keras.backend.backend()
    try:
        if backend == "torch":
            import torch

            return int(torch.cuda.mem_get_info(0)[0])
        if backend == "jax":
            import jax

            stats = jax.devices()[0].memory_stats() or {}
            if "bytes_limit" in stats:
                return int(stats["bytes_limit"]) - int(stats.get("bytes_in_use", 0))
            return None
        visible = os.environ.get("CUDA_VISIBLE_DEVICES", "").split(",")[0].strip()
        query = ["nvidia-smi", "--query-gpu=memory.free", "--format=csv,noheader,nounits", "-i", visible or "0"]
        done = subprocess.run(query, capture_output=True, text=True, timeout=10, check=True)
        return int(done.stdout.split()[0]) << 20
    except (ImportError, OSError, ValueError, IndexError, RuntimeError, subprocess.SubprocessError):
        return None


def available_memory() -> int:
    """Bytes of memory this machine can still give (``MemAvailable``); 4 GiB where unknown.

    Read where runs train: pack sizing calls it on the executor's worker,
    never on the machine that plans.
    """
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 4 << 30
