"""The report's pieces on their own: number formatting, labels, the design diff, the figures."""

from __future__ import annotations

import base64
import math
from dataclasses import replace

import pytest
from factories import training_config
from report_cases import analysis_of, make_hypothesis, make_results, values_by_arm

from hypolab.records import Arm, flatten
from hypolab.report import design
from hypolab.report.curves import curve_metrics, learning_curves
from hypolab.report.numbers import fmt, fmt_df, fmt_p, fmt_seconds, metric_label
from hypolab.report.plots import PALETTE, arm_colours, estimation_plot, forest_plot
from hypolab.stats.labels import LABELS, label


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.0052131, "0.00521"), (0.25, "0.250"), (12.3456, "12.3"), (-0.0242, "−0.0242"),
     (None, "—"), (math.nan, "—"), (math.inf, "∞"), (3, "3"), (12345, "12,345"), (0.0, "0"),
     (1.2e-7, "1.20e-07")],
    ids=["small", "trailing-zero", "tens", "negative", "none", "nan", "inf", "int", "big-int",
         "zero", "tiny"],
)  # fmt: skip
def test_fmt_rounds_to_three_significant_figures(value, text):
    assert fmt(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.0004, "< .001"), (0.0123, "= .012"), (0.05, "= .050"), (1.0, "= 1.000"), (None, "—")],
    ids=["tiny", "small", "alpha", "one", "none"],
)
def test_fmt_p_is_apa_style(value, text):
    assert fmt_p(value) == text


def test_fmt_seconds():
    assert [fmt_seconds(s) for s in (4.24, 185, 3720)] == ["4.2 s", "3 min 05 s", "1 h 02 min"]


@pytest.mark.parametrize(
    ("metric", "label"),
    [("test_accuracy", "test accuracy (fraction correct)"),
     ("best_val_loss", "best validation loss"), ("val_mae", "validation mean absolute error (target units)"),
     ("accuracy", "training accuracy (fraction correct)"), ("train_seconds", "training time (s)"),
     ("custom_thing", "custom thing")],
    ids=["test-acc", "best-val-loss", "val-mae", "train-acc", "seconds", "unknown"],
)  # fmt: skip
def test_metric_label_names_split_and_unit(metric, label):
    assert metric_label(metric) == label


@pytest.mark.parametrize(
    ("value", "text"), [(3.0, "3"), (18.225, "18.2"), (-1.0, "−1"), (-1.5, "−1.50"), (None, "—")],
    ids=["whole", "welch", "negative-whole", "half", "none"],
)  # fmt: skip
def test_fmt_df_shows_whole_numbers_bare(value, text):
    assert fmt_df(value) == text


def test_one_table_names_every_test_and_its_statistic():
    # R's wilcox.test calls the signed-rank statistic V, and hypolab's is that V.
    assert label("wilcoxon").statistic == "Wilcoxon V" and label("wilcoxon").symbol == "V"
    assert label("mannwhitney").statistic == "Mann-Whitney U"
    assert {"welch", "student", "paired_t", "mannwhitney", "wilcoxon", "permutation", "tost_welch",
            "tost_paired_t", "tost_permutation", "many_to_one", "jonckheere_terpstra", "page", "welch_anova",
            "kruskal_wallis", "linear_contrast"} == set(LABELS)  # fmt: skip
    assert label("new_test").title == "new_test"  # a name the table lacks stands for itself


def test_the_report_has_no_label_table_of_its_own():
    from pathlib import Path

    import hypolab.report

    for path in Path(hypolab.report.__file__).parent.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "Wilcoxon W" not in text and "Mann-Whitney U\"" not in text, path.name
        assert "def flatten" not in text, path.name  # hypolab.records.flatten is the one


def test_the_report_modules_import_each_other_without_a_circle():
    import ast
    from pathlib import Path

    import hypolab.report

    folder = Path(hypolab.report.__file__).parent
    graph = {}
    for path in folder.glob("*.py"):
        name = "hypolab.report" if path.stem == "__init__" else f"hypolab.report.{path.stem}"
        imported = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):  # lazy imports too
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("hypolab.report"):
                imported.add(node.module)
                imported.update(f"{node.module}.{a.name}" for a in node.names)
        graph[name] = {m for m in imported if m in {f"hypolab.report.{p.stem}" for p in folder.glob("*.py")}}

    def reaches(start, goal, seen=()):
        return any(nxt == goal or (nxt not in seen and reaches(nxt, goal, (*seen, nxt)))
                   for nxt in graph.get(start, ()))  # fmt: skip

    circles = sorted(m for m in graph if m != "hypolab.report" and reaches(m, m))
    assert circles == []
    assert "hypolab.report.render" in graph["hypolab.report.index"]  # the index renders through render
    assert graph["hypolab.report.render"] == set()  # and render needs no other report module


def test_differing_keys_compare_flattened_configs_including_missing_keys():
    base = training_config(model={"kind": "mlp", "units": [64], "activation": "relu", "dropout": 0.0,
                                  "batch_norm": False})  # fmt: skip
    arms = [
        Arm(name="c", overrides={}, config=base, is_control=True),
        Arm(name="t1", overrides={"model.units": [16]}, config=replace(base, model=replace(base.model, units=(16,)))),
        Arm(name="t2", overrides={"optimizer.momentum": 0.9},
            config=replace(base, optimizer=replace(base.optimizer, args={"momentum": 0.9}))),
    ]  # fmt: skip
    assert design.differing_keys(arms) == [
        {"key": "model.units", "values": ["[64]", "[16]", "[64]"]},
        {"key": "optimizer.momentum", "values": ["(not set)", "(not set)", "0.9"]},
    ]
    shared = {row["key"] for row in design.shared_config(arms)}
    assert shared == {"model.kind", "model.activation", "model.dropout", "model.batch_norm", "optimizer.name",
                      "optimizer.learning_rate", "loss", "epochs", "batch_size", "early_stopping"}  # fmt: skip
    assert design.overrides_text(arms[1]) == "model.units: [16]"
    assert design.overrides_text(arms[0]) == "(base config)"
    assert design.flatten is flatten


def test_arm_colours_are_the_colourblind_palette_in_arm_order():
    colours = arm_colours(["c", "t1", "t2"])
    assert list(colours.values()) == list(PALETTE[:3])
    assert len(set(arm_colours([str(i) for i in range(10)]).values())) == 10


def _svg(uri: str) -> str:
    assert uri.startswith("data:image/svg+xml;base64,")
    return base64.b64decode(uri.split(",", 1)[1]).decode("utf-8")


def test_figures_are_svg_with_the_arm_colours_and_no_script():
    h = make_hypothesis(claim="x", treatments=[("t <script>", 4), ("t2", 2)], seeds=4)
    results = make_results(h, epochs=5)
    analysis = analysis_of(h, results)
    colours = arm_colours([a.name for a in h.arms])
    arms = {a.name: a for a in analysis.arms}
    svg = _svg(estimation_plot(values_by_arm(h, results), arms, analysis.comparisons,
                               metric=h.metric, margin=0.01, alpha=0.05, colours=colours))  # fmt: skip
    for colour in colours.values():
        assert colour in svg
    assert "<script" not in svg.lower()
    assert "<dc:date>" not in svg  # reproducible bytes
    forest = _svg(forest_plot(analysis.comparisons, metric=h.metric, margin=None, alpha=0.05,
                              colours=colours))  # fmt: skip
    assert colours["t2"] in forest and colours["t <script>"] in forest
    curves = _svg(learning_curves(results, arm_names=list(colours), metric=h.metric, colours=colours))
    assert all(colour in curves for colour in colours.values())


def test_learning_curves_pick_the_metric_or_a_stand_in():
    h = make_hypothesis(seeds=2)
    results = make_results(h, epochs=2)
    assert curve_metrics("test_accuracy", results) == ["loss", "accuracy"]
    assert curve_metrics("train_seconds", results) == ["loss", "accuracy"]
    assert curve_metrics("test_loss", results) == ["loss", "accuracy"]
    assert learning_curves([], arm_names=["a"], metric="test_accuracy", colours={"a": "#000"}) is None


def test_learning_curves_average_ragged_histories_without_warnings(recwarn):
    import dataclasses

    h = make_hypothesis(seeds=3)
    results = make_results(h, epochs=6)
    # Early stopping: seeds end after 6, 4 and 1 epochs; the last epochs have one seed and no band.
    ragged = [dataclasses.replace(r, history={k: v[: (6, 4, 1)[r.seed]] for k, v in r.history.items()})
              for r in results]  # fmt: skip
    colours = arm_colours([a.name for a in h.arms])
    assert _svg(learning_curves(ragged, arm_names=list(colours), metric=h.metric, colours=colours))
    assert [str(w.message) for w in recwarn] == []


def test_the_arm_colours_are_seaborns_colourblind_palette():
    # Written out in plots.py so rendering need not import seaborn; kept equal to it here.
    seaborn = pytest.importorskip("seaborn")
    from hypolab.report.plots import PALETTE

    assert PALETTE == tuple(seaborn.color_palette("colorblind").as_hex())
