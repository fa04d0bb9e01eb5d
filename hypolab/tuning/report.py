"""``reports/tune-<name>/index.html``: the trials, the objective by hyperparameter, the best curve.

Rendered in the hypothesis report's style: the same stylesheet
(``hypolab/report/templates/style.css.j2``), figure helpers and number
formatting, with Jinja2 autoescaping every value (search-file text included).
The page is one self-contained file: inline CSS, figures as SVG ``data:`` URIs.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from hypolab import __version__
from hypolab.errors import ReportError
from hypolab.records import RunResult, RunStatus
from hypolab.report import page
from hypolab.report import render as report_render
from hypolab.report.numbers import fmt
from hypolab.report.plots import PALETTE, figure, to_data_uri
from hypolab.tuning.confirm import Confirmation
from hypolab.tuning.parallel import axis_positions, categories, log_scaled, parallel_plot
from hypolab.tuning.searchschema import TunerKind
from hypolab.tuning.searchspec import SearchSpec
from hypolab.tuning.space import Param, ParamKind, Sampling
from hypolab.tuning.trials import UNFINISHED, TrialSummary

TEMPLATES = Path(__file__).with_name("templates")


def write_tune_report(
    search: SearchSpec,
    trials: Sequence[TrialSummary],
    ranked: Sequence[TrialSummary],
    out_dir: str | Path,
    *,
    confirmation: Confirmation | None = None,
    baseline_path: str | Path | None = None,
    command: str = "",
) -> Path:
    """Write ``index.html`` of a search into ``out_dir`` and return its path.

    Args:
        search: the search file.
        trials: every trial, in id order.
        ranked: the finished trials, best first.
        out_dir: ``reports/tune-<name>``.
        confirmation: the ``--confirm`` outcome, if it ran.
        baseline_path: the baseline file written, if any.
        command: the command line, shown in the footer.

    Raises:
        ReportError: the page cannot be rendered or written.
    """
    context = build_context(search, trials, ranked, confirmation=confirmation, baseline_path=baseline_path, command=command)
    html = render(context)
    path = Path(out_dir) / "index.html"
    report_render.write_text(path, html, root=Path(out_dir).parent)
    return path


def render(context: Mapping[str, Any]) -> str:
    """Render the tune page (autoescape on)."""
    import jinja2

    try:
        return _environment().get_template("tune.html.j2").render(**context)
    except jinja2.TemplateError as exc:
        raise ReportError(f"Cannot render the tune report: {exc}. This is a hypolab bug; please report it.") from exc


@functools.lru_cache(maxsize=1)
def _environment():
    import jinja2

    env = jinja2.Environment(
        # Ours first, then the hypothesis report's (its stylesheet).
        loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(TEMPLATES), jinja2.FileSystemLoader(report_render.TEMPLATES)]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["fmt"] = fmt
    return env


def build_context(
    search: SearchSpec,
    trials: Sequence[TrialSummary],
    ranked: Sequence[TrialSummary],
    *,
    confirmation: Confirmation | None = None,
    baseline_path: str | Path | None = None,
    command: str = "",
) -> dict[str, Any]:
    """Everything the template shows, as plain strings, lists and dicts."""
    rank_of = {t.trial_id: i + 1 for i, t in enumerate(ranked)}
    confirmed = {c.trial_id: c for c in confirmation.trials} if confirmation else {}
    columns = _columns(search.space, trials)
    best = ranked[0] if ranked else None
    if confirmation is not None:
        best = next(t for t in ranked if t.trial_id == confirmation.chosen.trial_id)
    rows = []
    for trial in sorted(trials, key=lambda t: (rank_of.get(t.trial_id, 10**9), len(t.trial_id), t.trial_id)):
        rows.append(
            {
                "rank": rank_of.get(trial.trial_id, ""),
                "trial_id": trial.trial_id,
                "status": trial.status.value.lower(),
                "score": fmt(trial.score, 4) if trial.score is not None else "–",
                "confirmed": fmt(confirmed[trial.trial_id].mean, 4) if trial.trial_id in confirmed else "",
                "best_epoch": trial.best_epoch or "",
                "epochs": trial.epochs,
                "values": [_cell(trial.values.get(name)) for name in columns],
            }
        )
    failures = [
        {"trial_id": t.trial_id, "status": t.status.value.lower(), "message": t.message or "(no message)"}
        for t in trials
        if t.status in UNFINISHED
    ]
    tuner = search.tuner
    budget = (
        f"max_epochs {tuner.max_epochs}, factor {tuner.factor}, {tuner.hyperband_iterations} iteration(s)"
        if tuner.kind is TunerKind.HYPERBAND
        else f"max_trials {tuner.max_trials if tuner.max_trials is not None else '(the whole grid)'}, {tuner.max_epochs} epochs each"
    )
    curve, curve_caption, curve_missing = _curve(search, best, confirmation)
    return {
        "search": search,
        "hypolab_version": __version__,
        "rendered_at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "objective": tuner.objective,
        "tuner": {
            "kind": tuner.kind.value,
            "seed": tuner.seed,
            "budget": budget,
            "direction": tuner.direction.value,
            "executions": tuner.executions_per_trial,
        },
        "best": None
        if best is None
        else {"trial_id": best.trial_id, "score": fmt(best.score, 4), "set_text": _set_text(best.overrides)},
        "baseline_path": str(baseline_path) if baseline_path else "",
        "n_trials": len(trials),
        "n_finished": len(ranked),
        "n_failed": len(failures),
        "space_rows": [_space_row(p) for p in search.space],
        "data_rows": [(k, "none" if v is None else _cell(v)) for k, v in search.data.to_dict().items()],
        "columns": columns,
        "trial_rows": rows,
        "objective_plot": objective_plot(search, ranked, best),
        "parallel_plot": parallel_plot(search, _columns(search.space, ranked), ranked, best),
        "curve": curve,
        "curve_caption": curve_caption,
        "curve_missing": curve_missing,
        "confirmation": _confirmation_context(confirmation),
        "failures": failures,
        "command": command,
    }


def _columns(params: Sequence[Param], trials: Sequence[TrialSummary]) -> list[str]:
    """The hyperparameter names any trial used, in space order."""
    used = {name for t in trials for name in t.values}
    return [name for p in params for name in p.names if name in used]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return fmt(value, 4) if abs(value) >= 1e-3 or value == 0 else f"{value:.3g}"
    if isinstance(value, list):
        return "[" + ", ".join(_cell(v) for v in value) + "]"
    return str(value)


def _set_text(overrides: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}: {_cell(v)}" for k, v in overrides.items()) or "(the base config)"


def _space_row(param: Param) -> dict[str, str]:
    when = f"{param.when.parent} in {list(param.when.values)}" if param.when else ""
    return {"key": param.key, "text": _param_text(param), "when": when}


def _param_text(param: Param) -> str:
    if param.kind is ParamKind.LAYERS:
        assert param.each is not None
        return f"layers {int(param.min)}–{int(param.max)}, each {_param_text(param.each)}"
    if param.kind in (ParamKind.INT, ParamKind.FLOAT):
        text = f"{param.kind.value} [{_cell(param.min)}, {_cell(param.max)}]"
        if param.step is not None:
            text += f" step {_cell(param.step)}"
        if param.sampling is not Sampling.LINEAR:
            text += f", {param.sampling.value}"
        return text
    if param.kind is ParamKind.CHOICE:
        return "choice " + ", ".join(_cell(v) for v in param.values)
    if param.kind is ParamKind.BOOLEAN:
        return "boolean"
    return f"fixed {_cell(param.value)}"


def objective_plot(search: SearchSpec, ranked: Sequence[TrialSummary], best: TrialSummary | None) -> str | None:
    """One panel per searched hyperparameter: each finished trial's score against its value.

    Returns:
        An SVG ``data:`` URI, or None without finished trials.
    """
    from matplotlib.ticker import MaxNLocator, NullFormatter

    names = _columns(search.space, ranked)
    if not ranked or not names:
        return None
    log_names = log_scaled(search)
    cats = categories(search)
    ncols = min(3, len(names))
    nrows = math.ceil(len(names) / ncols)
    with figure(3.4 * ncols + 0.4, 2.6 * nrows + 0.3, nrows=nrows, ncols=ncols, squeeze=False) as (fig, axes):
        for index, name in enumerate(names):
            ax = axes[index // ncols][index % ncols]
            points = [(t.values[name], t.score, t is best) for t in ranked if name in t.values]
            xs, labels = axis_positions([x for x, _, _ in points], cats.get(name))
            numeric = labels is None
            if not numeric:  # a choice (even of numbers) or a boolean: a category axis
                ax.set_xticks(range(len(labels)), labels)
                ax.set_xlim(-0.5, len(labels) - 0.5)
            ys = [float(y) for _, y, _ in points]
            ax.scatter(xs, ys, s=22, color=PALETTE[0], alpha=0.75, linewidths=0)
            for x, (_, y, is_best) in zip(xs, points):
                if is_best:
                    ax.scatter([x], [y], s=70, marker="D", color=PALETTE[1], edgecolors="black", linewidths=0.6, zorder=3)
            if numeric and name in log_names and min(xs) > 0:
                ax.set_xscale("log")
                ax.xaxis.set_minor_formatter(NullFormatter())  # minor labels crowd a narrow range
            elif numeric and all(isinstance(x, int) for x, _, _ in points):
                ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_title(name, loc="left")
            ax.set_ylabel(search.tuner.objective)
        for index in range(len(names), nrows * ncols):
            axes[index // ncols][index % ncols].set_visible(False)
        return to_data_uri(fig)


def _curve(search: SearchSpec, best: TrialSummary | None, confirmation: Confirmation | None) -> tuple[str | None, str, str]:
    """The learning curve of the chosen trial: its tuner executions and its confirmation runs."""
    from hypolab.report.curves import learning_curves

    if best is None:
        return None, "", "No trial finished."
    tuner_arm = f"trial {best.trial_id} (tuner)"
    # A Hyperband trial that continued an earlier one's weights trained only its
    # last epochs: pad the start, so epoch numbers match the confirmation runs.
    starts = {best.epochs - len(h.get("loss", [])) for h in best.histories if h}
    start = max(starts) if starts else 0
    runs = [
        RunResult(key="", hypothesis=search.name, arm=tuner_arm, seed=seed, config=best.config,
                  data=search.data.to_dict(), status=RunStatus.FINISHED,
                  history={k: [math.nan] * (best.epochs - len(v)) + list(v) for k, v in history.items()})
        for seed, history in zip(best.seeds, best.histories)
        if history
    ]
    names = [tuner_arm] if runs else []
    if confirmation is not None:
        confirm_arm = f"trial {best.trial_id} (confirmation)"
        runs += [
            RunResult(**{**r.__dict__, "arm": confirm_arm})
            for r in confirmation.results
            if r.arm == f"trial {best.trial_id}" and r.status is RunStatus.FINISHED
        ]
        if any(r.arm == confirm_arm for r in runs):
            names.append(confirm_arm)
    if not runs:
        return None, "", (
            f"Trial {best.trial_id}'s per-epoch history is not on this machine "
            "(it ran on a worker with another folder)."
        )
    colours = {name: PALETTE[i] for i, name in enumerate(names)}
    uri = learning_curves(runs, arm_names=names, metric=search.tuner.objective, colours=colours)
    caption = f"Trial {best.trial_id}: mean per epoch over its {len(best.histories)} tuner execution(s)"
    if len(names) > 1:
        caption += f" and its {sum(r.arm == names[1] for r in runs)} confirmation run(s) on fresh seeds"
    caption += "; bands are 95% intervals where there are two or more runs."
    if start > 0:
        caption += (
            f" Hyperband continued this trial from an earlier trial's weights after {start} epochs, "
            f"so its tuner curve starts at epoch {start + 1}."
        )
    return uri, caption, ""


def _confirmation_context(confirmation: Confirmation | None) -> dict[str, Any] | None:
    if confirmation is None:
        return None
    seeds_text = page.seeds_text(confirmation.seeds)
    rows = [
        {
            "trial_id": c.trial_id,
            "tuner": fmt(c.tuner_score, 4),
            "mean": fmt(c.mean, 4) if c.mean is not None else "–",
            "std": fmt(c.std, 4) if c.std is not None else "–",
            "runs": len(c.values),
            "failed": c.failed,
            "gap": fmt(c.tuner_score - c.mean, 4) if c.mean is not None else "–",
        }
        for c in confirmation.trials
    ]
    return {
        "rows": rows,
        "seeds_text": seeds_text,
        "runs_text": f"{len(confirmation.seeds)} fresh seeds",
        "chosen_mean": fmt(confirmation.chosen.mean, 4),
        "chosen_std": fmt(confirmation.chosen.std, 4),
    }
