"""The Python API of a hypothesis test: plan -> train (via the store) -> analyse -> report.

``run_hypothesis`` trains whatever runs the store does not hold yet and returns
every planned run's record; ``test`` adds the statistics and the report. Both
work the same from the CLI and from a notebook.

Runs are trained in rounds that keep the arms balanced: seed 0 of every arm,
then seed 1, ... With seed packing, a round trains a pack of seeds of the
first arm, then the same seeds of the next arm, and so on. The pipeline is the
driver: it claims each run in the store first, so two processes on the same
file never train a run twice, hands the claimed runs to an executor
(``hypolab.executors``) and commits each record as soon as its run ends. How
a test trains travels as one ``RunOptions`` record (or as the keyword
arguments that build it).

``test_files`` tests several files through one executor (``hypolab test FILE...``).

Example:

    from hypolab.pipeline import run_hypothesis, test
    results = run_hypothesis("hypotheses/batchsize.yaml", device="cpu")
    outcome = test("hypotheses/batchsize.yaml", options=RunOptions(device="cpu", pack=1))
    outcome.analysis.comparisons[0].sentence
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from hypolab.errors import HypolabError
from hypolab.executors import Executor
from hypolab.pipeline.analysis import (  # noqa: F401 (metric_values and check_one_path are re-exported)
    analyze_hypothesis,
    analyze_secondary,
    check_one_path,
    metric_values,
)
from hypolab.pipeline.training import execute
from hypolab.progress import Progress
from hypolab.records import (
    Analysis,
    Hypothesis,
    Look,
    Registration,
    RegistrationCheck,
    RunOptions,
    RunResult,
    RunSpec,
    RunStatus,
)
from hypolab.records.runs import DEFAULT_STORE, Device
from hypolab.store import RunStore


@dataclass(frozen=True)
class TestOutcome:
    """What ``test`` produced.

    Args:
        hypothesis: the validated hypothesis.
        results: every planned run's record, in plan order.
        trained: how many runs this call trained (the rest came from the store).
        analysis: the ``hypolab.stats`` Analysis, or None where it could not run.
        analysis_error: why there is no analysis (e.g. too few finished runs).
        report_path: the report's ``index.html``, or None.
        report_note: why there is no report, or None.
        registration: how the file (and its baseline) compares with its first registration.
        stale: why stored runs of the file's earlier plan were not reused (other data,
            another baseline, an edited file); empty where nothing was stale.
        secondary: the analysis of each of the file's ``secondary_metrics`` (``analyze_secondary``).
    """

    __test__ = False  # not a pytest test class

    hypothesis: Hypothesis
    results: list[RunResult]
    trained: int
    analysis: Analysis | None = None
    analysis_error: str | None = None
    report_path: Path | None = None
    report_note: str | None = None
    registration: RegistrationCheck | None = None
    stale: tuple[str, ...] = ()
    secondary: tuple[Analysis, ...] = ()

    def _repr_html_(self) -> str:
        """Jupyter's view: runs trained and stored, the analysis (or why there is none), the report."""
        import html

        h = self.hypothesis
        lines = [f"<p><strong>{html.escape(h.name)}</strong>: {len(self.results)} runs ({self.trained} trained now)</p>"]
        if self.analysis is not None:
            lines.append(self.analysis._repr_html_())
        else:
            lines.append(f"<p>No analysis: {html.escape(str(self.analysis_error))}</p>")
        if self.report_path is not None:
            uri = Path(self.report_path).resolve().as_uri()
            lines.append(f'<p>Report: <a href="{html.escape(uri)}">{html.escape(str(self.report_path))}</a></p>')
        return "<div>" + "".join(lines) + "</div>"

    @property
    def unsuccessful(self) -> list[RunResult]:
        """The failed and diverged runs, in plan order."""
        return [r for r in self.results if r.status is not RunStatus.FINISHED]


def load_hypothesis(source: str | os.PathLike[str] | Hypothesis) -> Hypothesis:
    """A ``Hypothesis`` from a file path (validated) or as given."""
    if isinstance(source, Hypothesis):
        return source
    from hypolab.hypothesis import load

    return load(source)


def run_hypothesis(
    source: str | os.PathLike[str] | Hypothesis,
    *,
    store: RunStore | str | os.PathLike[str] = DEFAULT_STORE,
    rerun: bool = False,
    device: Device = "auto",
    pack: int | Literal["auto"] | None = None,
    progress: Progress | None = None,
    tensorboard_dir: str | os.PathLike[str] | None = None,
    deterministic: bool = False,
    options: RunOptions | None = None,
) -> list[RunResult]:
    """Train every planned run the store lacks; return all planned runs' records.

    Args:
        source: a hypothesis file's path, or a loaded ``Hypothesis``.
        store: a ``RunStore`` or the path of its file.
        rerun: retrain every run even where the store holds it (the new
            records supersede the old ones; ``RunStore.history`` keeps both).
        device: ``auto``, ``cpu`` or ``gpu``.
        pack: seeds trained together per model: a positive int, ``auto``, or
            None for the file's ``pack``. ``1`` trains one seed at a time.
        progress: where progress goes (``hypolab.progress.make_progress()``
            for the terminal); None reports nothing.
        tensorboard_dir: write TensorBoard logs for every trained run there.
        deterministic: ask the backend for deterministic GPU ops.
        options: all of the above but ``progress`` as one ``RunOptions``
            record; where given, leave those keyword arguments at their defaults.

    Returns:
        One ``RunResult`` per planned run, in plan order (arms interleaved by
        seed). ``arm`` is this hypothesis's arm name even where the run was
        first trained for another hypothesis that shares it.

    Raises:
        SpecErrors: the file is invalid.
        StoreError, DataError, DeviceError: the store, data or device cannot be used.
        TypeError: ``options`` and one of the keyword arguments it replaces were both given.
    """
    open_store = store if isinstance(store, RunStore) else None
    given = RunOptions(store=open_store.path if open_store else store, rerun=rerun, device=device, pack=pack,
                       tensorboard_dir=tensorboard_dir, deterministic=deterministic)  # fmt: skip
    options = _either(options, given, open_store)
    return execute(load_hypothesis(source), options, progress=progress, store=open_store).results


def test(
    source: str | os.PathLike[str] | Hypothesis,
    *,
    store: RunStore | str | os.PathLike[str] = DEFAULT_STORE,
    rerun: bool = False,
    device: Device = "auto",
    pack: int | Literal["auto"] | None = None,
    progress: Progress | None = None,
    tensorboard_dir: str | os.PathLike[str] | None = None,
    deterministic: bool = False,
    options: RunOptions | None = None,
    reports_root: str | os.PathLike[str] = "reports",
    command: str = "",
) -> TestOutcome:
    """Run, analyse and report a hypothesis (what ``hypolab test`` does).

    Args are those of ``run_hypothesis``, plus ``reports_root`` (the report
    goes to ``reports_root/<hypothesis name>/``) and ``command`` (the command
    line, printed in the report).

    Returns:
        A ``TestOutcome``: the records, the analysis and the report's path.

    Raises:
        ReportError: before any run trains, where ``reports_root/<name>/``
            cannot be written or holds files hypolab did not write.
    """
    h = load_hypothesis(source)
    open_store = store if isinstance(store, RunStore) else None
    given = RunOptions(store=open_store.path if open_store else store, rerun=rerun, device=device, pack=pack,
                       tensorboard_dir=tensorboard_dir, deterministic=deterministic)  # fmt: skip
    options = _either(options, given, open_store)
    from hypolab.report.write import check_can_write

    check_can_write(h, Path(reports_root) / h.name)  # before training: a report it cannot write costs no run
    return _test_loaded(h, options, open_store=open_store, progress=progress, reports_root=reports_root,
                        command=command)  # fmt: skip


test.__test__ = False  # a library function, not a pytest test, wherever it is imported


def test_files(
    sources: Sequence[str | os.PathLike[str] | Hypothesis],
    *,
    options: RunOptions | None = None,
    progress: Progress | None = None,
    reports_root: str | os.PathLike[str] = "reports",
    command: str = "",
) -> list[TestOutcome]:
    """Test several hypotheses with one executor: what ``hypolab test FILE...`` does.

    Every file is loaded and every report folder checked before any run
    trains. The files then train one after another through one executor
    (one device set-up, each data config loaded once per worker; with Ray,
    one cluster), so a run that two files plan is trained once and found in
    the store by the next; the index of reports is refreshed once, at the end.

    Args:
        sources: hypothesis files (or loaded hypotheses), in order.
        options: how to train (store, device, executor...); None: the defaults.
        progress, reports_root, command: as for ``test``.

    Returns:
        One ``TestOutcome`` per source, in order.

    Raises:
        SpecErrors: a file is invalid (nothing trained).
        ReportError: a report folder cannot be written (nothing trained).
    """
    from hypolab.executors import create_lazily
    from hypolab.report import write_index
    from hypolab.report.write import check_can_write

    options = options if options is not None else RunOptions()
    hypotheses = [load_hypothesis(source) for source in sources]
    for h in hypotheses:
        check_can_write(h, Path(reports_root) / h.name)
    executor = create_lazily(options)
    try:
        with RunStore(options.store) as run_store:
            outcomes = [_test_loaded(h, options, open_store=run_store, progress=progress, reports_root=reports_root,
                                     command=command, executor=executor, index=False)
                        for h in hypotheses]  # fmt: skip
    finally:
        executor.close()
    if any(outcome.report_path is not None for outcome in outcomes):
        write_index(reports_root)
    return outcomes


test_files.__test__ = False


def _test_loaded(h: Hypothesis, options: RunOptions, *, open_store: RunStore | None, progress: Progress | None,
                 reports_root: str | os.PathLike[str], command: str, executor: Executor | None = None,
                 index: bool = True) -> TestOutcome:  # fmt: skip
    """Train (through ``executor``, or one ``options`` ask for), analyse and report ``h``."""
    stale = _stale_before(h, open_store if open_store is not None else options.store)
    trained_now = execute(h, options, progress=progress, store=open_store, executor=executor)
    results, trained = trained_now.results, trained_now.trained
    from hypolab.hypothesis.registration import check_registration

    registered = _registration(open_store if open_store is not None else options.store, h.name)
    check = check_registration(h, registered)
    try:
        analysis = analyze_hypothesis(h, results, looks=trained_now.looks)
        secondary = analyze_secondary(h, results)
    except HypolabError as exc:
        return TestOutcome(hypothesis=h, results=results, trained=trained, analysis_error=str(exc),
                           report_note="no report without an analysis", registration=check, stale=stale)  # fmt: skip
    from hypolab.report import write_report

    report_path = write_report(h, results, analysis, Path(reports_root) / h.name, command=command, index=index,
                               registered=registered, secondary=secondary)  # fmt: skip
    return TestOutcome(hypothesis=h, results=results, trained=trained, analysis=analysis,
                       report_path=report_path, registration=check, stale=stale, secondary=secondary)  # fmt: skip


def _either(options: RunOptions | None, given: RunOptions, open_store: RunStore | None) -> RunOptions:
    """``options`` where given, else the record the keyword arguments built (``given``).

    Raises:
        TypeError: ``options`` was given together with a keyword argument it replaces.
    """
    if options is None:
        return given
    defaults = RunOptions()
    names = [f.name for f in dataclasses.fields(RunOptions) if f.name != "store"]
    clashing = [name for name in names if getattr(given, name) != getattr(defaults, name)]
    if open_store is not None or Path(given.store) != Path(defaults.store):
        clashing.insert(0, "store")
    if clashing:
        raise TypeError(
            f"pass the run options either as options=RunOptions(...) or as keyword arguments, not both. "
            f"Got options and {', '.join(clashing)}."
        )
    return options


def _registration(store: RunStore | str | os.PathLike[str], name: str) -> Registration | None:
    """The hypothesis file's text as first registered in the store, when, and on which baseline."""
    if isinstance(store, RunStore):
        return store.registration(name)
    with RunStore(store, read_only=True) as run_store:
        return run_store.registration(name)


def _stale_before(h: Hypothesis, store: RunStore | str | os.PathLike[str]) -> tuple[str, ...]:
    """Why the runs of ``h``'s last registered plan will not be reused, read before this test replans it."""
    from hypolab.pipeline.identity import look_up

    if h.data.fingerprint is None:
        return ()  # a Keras set not downloaded yet: nothing of it can be stored here
    if isinstance(store, RunStore):
        return tuple(look_up(h, store).reasons)
    if not Path(store).is_file():
        return ()
    with RunStore(store, read_only=True) as run_store:
        return tuple(look_up(h, run_store).reasons)


def recorded_looks(h: Hypothesis, store: RunStore, specs: Sequence[RunSpec] | None = None) -> tuple[list[RunSpec], list[Look]]:
    """A sequential hypothesis's recorded looks in ``store``, and the planned runs they rest on.

    ``specs`` is ``h``'s plan (``hypolab.plan.plan(h)`` where None). What
    ``hypolab report`` reads to render a sequential test without training.
    """
    from hypolab.pipeline.looks import design_key, needed_specs
    from hypolab.plan import plan

    specs = list(plan(h) if specs is None else specs)
    looks = store.looks(h.name, design_key(h, specs))
    return needed_specs(h, specs, looks), looks
