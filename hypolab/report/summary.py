"""``summary.md``: the report in a few lines of Markdown, to paste into notes or a PR."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# Characters that start Markdown syntax; "<" only where it could open an HTML tag.
_SPECIAL = re.compile(r"([\\`*_\[\]|#]|<(?=[A-Za-z/!?]))")


def escape(text: Any) -> str:
    """Text from a file made inert in Markdown: ``<script>`` shows as text, ``|`` keeps tables whole."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def summary_markdown(context: Mapping[str, Any]) -> str:
    """The summary of one report from the page's context (``page.build_context``).

    Returns:
        Markdown: title, claim, the hypothesis' (or dose series') verdict
        first, verdict sentences with APA strings, the arms table, the
        comparisons table, the dose steps, failures, and where the full report is.
    """
    h = context["h"]
    lines = [f"# {escape(h.name)}: {context['overall']}", ""]
    lines += [f"> {escape(h.claim)}", ""]
    registration = context.get("registration")
    if registration is not None and registration.flagged:
        lines += [f"**Warning: {escape(registration.summary())}.** The verdicts below use the file as it reads now.", ""]
    elif registration is not None and registration.registered:
        lines += [f"Registration: {escape(registration.summary())}.", ""]
    lines += [
        f"Metric `{h.metric}`, direction `{context['direction']}`, alpha {context['alpha']:g}, "
        f"margin {context['margin_text']}; seeds {context['seeds_text']}; "
        f"test `{context['test_name']}`, correction `{context['correction']}`.",
        "",
    ]
    head = context.get("headline")
    if head:
        lines += [f"**Verdict ({escape(head['label'].lower())}): {head['verdict']}.** "
                  f"{escape(head['sentence'])}", ""]
    for v in context["verdicts"]:
        sentence = v["sentence"] or f"{v['treatment']} compared with {v['control']}"
        apa = f" ({escape(v['apa'])})" if v["apa_shown"] else ""
        lines.append(f"- **{v['verdict']}**: {escape(sentence)}{apa}")
    if not context["verdicts"]:
        lines.append("- **inconclusive**: no comparison could be computed from these runs.")
    lines += ["", f"| arm | n | failed | mean | sd | {context['ci_level']} CI |", "|---|---:|---:|---:|---:|---:|"]
    for a in context["arm_rows"]:
        lines.append(
            f"| {escape(a['name'])} | {a['n']} | {a['n_failed']} | {a['mean']} | {a['std']} | {a['ci']} |"
        )
    lines += ["", "| comparison | test | p | adjusted p | difference [interval that decided] | verdict |",
              "|---|---|---:|---:|---:|---|"]  # fmt: skip
    for r in context["stat_rows"]:
        lines.append(
            f"| {escape(r['treatment'])} vs {escape(r['control'])} | {r['test']} | {r['pvalue']} "
            f"| {r['pvalue_adjusted']} | {r['difference']} {r['decision_interval']} | {r['verdict']} |"
        )
    series = context.get("series")
    if series:
        lines += ["", f"Dose series ({series['test']}):", "",
                  f"| step | difference [interval that decided] | {series['correction']}-adjusted p "
                  "| conclusion |", "|---|---:|---:|---|"]  # fmt: skip
        for st in series["steps"]:
            lines.append(f"| {escape(st['label'])} | {st['difference']} {st['interval']} "
                         f"| {st['pvalue_adjusted']} | {st['conclusion']} |")
    for extra in context.get("secondary", ()):
        lines += ["", f"Secondary metric `{extra['metric']}` (two-sided, correction `{extra['correction']}`; "
                      "not part of the verdict):"]  # fmt: skip
        for row, sentence in zip(extra["rows"], extra["sentences"]):
            lines.append(f"- {escape(row['treatment'])} vs {escape(row['control'])}: difference {row['difference']} "
                         f"{row['ci']}, adjusted p {row['pvalue_adjusted']}. {escape(sentence)}")  # fmt: skip
    failures = context["failures"]
    lines.append("")
    if failures:
        lines.append(f"{len(failures)} of {context['n_runs']} runs did not finish "
                     f"({context['failed_policy']} in the analysis):")  # fmt: skip
        for f in failures:
            lines.append(f"- {escape(f['arm'])} seed {f['seed']}: {f['status']}, {escape(f['error'])[:200]}")
    else:
        lines.append(f"All {context['n_runs']} runs finished.")
    lines += ["", f"Full report: `index.html` (rendered {context['rendered_at']} by hypolab "
                  f"{context['hypolab_version']}); data: `results.json`, `runs.csv`.", ""]  # fmt: skip
    return "\n".join(lines)
