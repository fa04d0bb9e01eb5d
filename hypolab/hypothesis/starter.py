"""The commented starter file that ``hypolab new NAME`` writes."""

from __future__ import annotations

_STARTER = """\
# {name}: a hypolab hypothesis file (format reference: docs/format.md).
# Check it:  hypolab validate {path}
# See runs:  hypolab plan {path}
# Run it:    hypolab test {path}

# The hypothesis in words: what you expect, compared with what.
claim: Dropout of 0.2 gives higher test accuracy than no dropout for an MLP on digits.

# What is compared, and which way you expect the treatment to move it.
metric: test_accuracy        # test_accuracy | test_loss | val_accuracy | best_val_loss | train_seconds | ...
direction: greater           # greater | less | two-sided | equivalent (treatment vs control)
margin: 0.01                 # smallest difference you care about (required for equivalent)
alpha: 0.05                  # significance level

# Every arm is trained once per seed: a count n (seeds 0..n-1) or a list [3, 7, 11].
# Fewer than 5 seeds gives a warning: a real difference will often look inconclusive.
seeds: 10
pairing: independent         # independent | seed (compare the arms seed by seed)
test: auto                   # auto | welch | student | mannwhitney | permutation | paired_t | wilcoxon
correction: holm             # several treatments: holm | bonferroni | fdr_bh | dunnett | none
ordered: false               # true: the treatments, in order, are a dose series (e.g. units 16, 32, 64)
failed_runs: drop            # drop | worst (count a diverged or failed run as the worst value seen)
pack: auto                   # seeds trained together in one model: auto | 1 (one at a time) | N
# baseline: baselines/digits_mlp.yaml   # a `hypolab tune` result: its base is used, base below merges over it

data:
  name: digits               # digits | mnist | fashion_mnist | cifar10 | path/to/file.npz | path/to/file.csv
  validation_split: 0.2
  test_split: 0.2
  split_seed: 0
  subset: null               # or a number of training examples to keep (stratified), e.g. 300 for a quick try
  # target: label            # CSV files only: the label column

# The config every arm shares. Arms below override parts of it.
base:
  model:
    kind: mlp                # mlp | cnn | custom
    units: [64]              # hidden Dense widths
    activation: relu         # a Keras activation name
    dropout: 0.0
    batch_norm: false
  optimizer:
    name: adam               # a Keras optimizer name; other keys are its arguments
    learning_rate: 0.001
  loss: auto                 # auto: sparse_categorical_crossentropy (classification) / mse (regression)
  epochs: 10
  batch_size: 32
  early_stopping: null       # or {{monitor: val_loss, patience: 3}}

# The control and the treatments: a name and the overrides of base (dotted keys allowed).
control:
  name: no dropout
  set: {{}}
treatments:
  - name: dropout 0.2
    set: {{model.dropout: 0.2}}
"""


def starter_text(name: str, path: str) -> str:
    """The starter hypothesis file for ``hypolab new NAME``; it validates as written.

    Args:
        name: the hypothesis name (the file stem).
        path: where it will be written, shown in the comments.

    Returns:
        Commented YAML text.
    """
    return _STARTER.format(name=name, path=path)
