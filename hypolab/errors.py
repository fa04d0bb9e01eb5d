"""The exceptions hypolab raises.

Library code raises these and never prints or exits; only the CLI turns them
into ``Error: ...`` lines and exit codes.
"""

from __future__ import annotations


class HypolabError(Exception):
    """Base class of every error hypolab raises on purpose."""


class SpecError(HypolabError):
    """A hypothesis or search file is malformed.

    Args:
        file: the file's path as the user gave it.
        line: 1-based line of the offending value, or None where unknown.
        column: 1-based column, or None.
        path: the key path, e.g. ``treatments[0].set``; empty for the whole file.
        message: what was received, what was expected, and a fix.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str = "",
        line: int | None = None,
        column: int | None = None,
        path: str = "",
    ) -> None:
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        self.message = message
        super().__init__(self.location_prefix() + message)

    def location_prefix(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        prefix = f"{where}: " if where else ""
        if self.path:
            prefix += f"{self.path}: "
        return prefix


class SpecErrors(HypolabError):
    """Several ``SpecError``s found in one file, reported together."""

    def __init__(self, errors: list[SpecError]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


class DataError(HypolabError):
    """A data set cannot be loaded or split as configured."""


class StoreError(HypolabError):
    """The run store cannot be opened, read or written."""


class AnalysisError(HypolabError):
    """The statistics cannot be computed from the given values."""


class ReportError(HypolabError):
    """A report cannot be rendered or written."""


class TuningError(HypolabError):
    """A Keras Tuner search cannot be set up or run."""


class ModelError(HypolabError):
    """A model, optimizer or loss cannot be built from the resolved config."""


class DeviceError(HypolabError):
    """The requested device (``--device gpu``) is not available."""


class OutputError(HypolabError):
    """A file cannot be written where hypolab was asked to write it (``hypolab.outputs``)."""


class ExecutorError(HypolabError):
    """The executor asked for cannot train (Ray not installed, no cluster at the address, a worker that keeps dying)."""
