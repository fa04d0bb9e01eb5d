"""How each test is named in words: the one table, for the sentences, the CLI and the report.

Keys are the ``test`` values the records carry (``TestName`` values for the
comparison tests, and the names of TOST, the omnibus and trend tests). The
statistic's symbol follows R: ``wilcox.test`` calls the signed-rank statistic
V (the sum of the positive ranks of treatment minus control); for two samples
hypolab reports U of the treatment, which is R's W.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TestLabel:
    """The words for one test.

    Args:
        name: the test in a sentence, e.g. ``Mann-Whitney`` ("Mann-Whitney is not").
        statistic: its statistic the APA way, e.g. ``Mann-Whitney U``.
        symbol: the statistic's symbol alone, e.g. ``U``.
        title: the test's full name for a table, e.g. ``Mann-Whitney U test``.
    """

    __test__ = False  # not a pytest test class

    name: str
    statistic: str
    symbol: str
    title: str


LABELS: dict[str, TestLabel] = {
    "welch": TestLabel("Welch", "Welch t", "t", "Welch's t-test"),
    "student": TestLabel("Student", "Student t", "t", "Student's t-test"),
    "paired_t": TestLabel("paired t", "paired t", "t", "paired t-test"),
    "mannwhitney": TestLabel("Mann-Whitney", "Mann-Whitney U", "U", "Mann-Whitney U test"),
    "wilcoxon": TestLabel("Wilcoxon", "Wilcoxon V", "V", "Wilcoxon signed-rank test"),
    "permutation": TestLabel("permutation", "permutation test", "difference",
                             "permutation test of the mean difference"),
    "tost_welch": TestLabel("TOST", "TOST Welch t", "t", "two one-sided Welch t-tests (TOST)"),
    "tost_paired_t": TestLabel("TOST", "TOST paired t", "t",
                               "two one-sided paired t-tests (TOST)"),
    "tost_permutation": TestLabel("TOST", "TOST permutation test", "difference",
                                  "two one-sided permutation tests (TOST)"),
    "many_to_one": TestLabel("many-to-one t", "many-to-one t", "t",
                             "many-to-one t-test (multivariate t)"),
    "jonckheere_terpstra": TestLabel("Jonckheere-Terpstra", "Jonckheere-Terpstra J", "J",
                                     "Jonckheere-Terpstra trend test"),
    "page": TestLabel("Page", "Page L", "L", "Page's trend test (within seeds)"),
    "welch_anova": TestLabel("Welch ANOVA", "Welch ANOVA F", "F", "Welch's one-way ANOVA"),
    "kruskal_wallis": TestLabel("Kruskal-Wallis", "Kruskal-Wallis H", "H",
                                "Kruskal-Wallis H test"),
    "linear_contrast": TestLabel("linear contrast", "linear contrast t", "t",
                                 "linear-contrast trend test (Welch df)"),
}


def label(test: str) -> TestLabel:
    """The words for ``test`` (a ``test`` value of a record); an unknown name stands for itself.

    Example:
        >>> label("wilcoxon").statistic
        'Wilcoxon V'
    """
    return LABELS.get(test) or TestLabel(test, test, "statistic", test)
