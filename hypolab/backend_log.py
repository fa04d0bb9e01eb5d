"""The backend's start-up log: TensorFlow's C++ chatter kept off the terminal, real errors kept.

TensorFlow 2.21 writes its start-up lines (oneDNN, ``cudart_stub``, the CPU
feature guard, ``failed call to cuInit`` on a machine without a GPU) to file
descriptor 2 from C++, through absl, before Python's logging exists and
regardless of ``TF_CPP_MIN_LOG_LEVEL``. So the two moments that print them,
importing the backend and first asking it for its devices, run inside
``quiet()``: file descriptor 2 goes to a temporary file for that moment, and
afterwards every line that is not known start-up noise (``is_noise``) is
written to stderr as it came. An error, a warning of Python's or anything
unknown is never hidden, only printed a moment later.

Later, while runs train, TensorFlow's Python logger warns that a function
"triggered tf.function retracing" once several seeds have built their own
models: expected here (each run is a new model), so outside ``--verbose`` that
one warning is dropped by a filter on the ``tensorflow`` logger (``quiet`` installs
it); every other warning of that logger still prints.

``--verbose`` (``HYPOLAB_VERBOSE=1``, inherited by worker processes) turns
all of this off: every line of the backend reaches the terminal as it is written.

Example:

    with quiet():
        import keras
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import tempfile
from collections.abc import Iterator

VERBOSE_ENV = "HYPOLAB_VERBOSE"

# Settings the backends read at start-up; the user's own values win (setdefault).
QUIET_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "2",  # TensorFlow's C++ INFO and WARNING lines, where it still honours it
    "GRPC_VERBOSITY": "ERROR",
    "GLOG_minloglevel": "2",
}

# absl/glog's prefix: severity and date, time, thread id, source file and line.
_ABSL = r"[IWE]\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ "
_NOISE = tuple(
    re.compile(pattern)
    for pattern in (
        r"WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR$",
        _ABSL + r"port\.cc:\d+\] oneDNN custom operations are on\.",
        _ABSL + r"cudart_stub\.cc:\d+\] Could not find cuda drivers on your machine",
        _ABSL + r"cuda_platform\.cc:\d+\] failed call to cuInit: ",
        _ABSL + r"cpu_feature_guard\.cc:\d+\] This TensorFlow binary is optimized to use available CPU",
        (r"To enable the following instructions: .*, in other operations, rebuild TensorFlow with "
         r"the appropriate compiler flags\.$"),
        _ABSL + r"cuda_(?:dnn|fft|blas)\.cc:\d+\] Unable to register cu(?:DNN|FFT|BLAS) factory",
        _ABSL + r"computation_placer\.cc:\d+\] computation placer already registered",
        _ABSL + r"cpu_allocator_impl\.cc:\d+\] Allocation of \d+ exceeds",  # only with TF_CPP_MIN_LOG_LEVEL<2
    )
)


def verbose() -> bool:
    """True where the user asked for the backend's own log (``--verbose``)."""
    return os.environ.get(VERBOSE_ENV, "") not in ("", "0")


def set_verbose(on: bool) -> None:
    """Make ``--verbose`` hold in this process and in every process it starts."""
    if on:
        os.environ[VERBOSE_ENV] = "1"


class _RetracingFilter(logging.Filter):
    """Drops TensorFlow's "triggered tf.function retracing" warning (each seed builds its own model)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "triggered tf.function retracing" not in record.getMessage()


_RETRACING = _RetracingFilter()


def is_noise(line: str) -> bool:
    """True for a known line of TensorFlow's start-up chatter; anything else is printed."""
    return any(pattern.match(line) for pattern in _NOISE)


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Run the body with file descriptor 2 captured; replay every line that is not start-up noise.

    Under ``--verbose``, or where file descriptor 2 cannot be redirected (an
    embedding host without one), the body runs as it is.
    """
    if verbose():
        yield
        return
    logger = logging.getLogger("tensorflow")
    if _RETRACING not in logger.filters:
        logger.addFilter(_RETRACING)
    for key, value in QUIET_ENV.items():
        os.environ.setdefault(key, value)
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):
        yield
        return
    capture = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below, after the replay
    try:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            with contextlib.suppress(OSError, ValueError, AttributeError):
                sys.stderr.flush()
            os.dup2(saved, 2)
            capture.seek(0)
            kept = [line for line in capture.read().decode("utf-8", "replace").splitlines(keepends=True)
                    if not is_noise(line.rstrip("\r\n"))]  # fmt: skip
            if kept:
                sys.stderr.write("".join(kept))
                sys.stderr.flush()
    finally:
        os.close(saved)
        capture.close()
