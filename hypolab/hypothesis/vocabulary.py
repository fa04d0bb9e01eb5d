"""The names a hypothesis file may use, fixed here so validation never imports Keras.

The optimizer, activation and loss names are those Keras 3 resolves with
``keras.optimizers.get``, ``keras.activations.get`` and ``keras.losses.get``
(checked against Keras 3.15; a test keeps the lists in step where Keras is
installed). Optimizer arguments are the constructor keywords, with their
Keras defaults for ``learning_rate``.
"""

from __future__ import annotations

from hypolab.records import Task

#: Built-in data sets and the task each one is.
BUILTIN_DATASETS: dict[str, Task] = {
    "digits": Task.CLASSIFICATION,
    "mnist": Task.CLASSIFICATION,
    "fashion_mnist": Task.CLASSIFICATION,
    "cifar10": Task.CLASSIFICATION,
}

DATA_FILE_SUFFIXES = (".npz", ".csv")

#: Keyword arguments every Keras 3 optimizer accepts (``keras.optimizers.Optimizer``).
_COMMON_OPTIMIZER_ARGS = (
    "learning_rate",
    "weight_decay",
    "clipnorm",
    "clipvalue",
    "global_clipnorm",
    "use_ema",
    "ema_momentum",
    "ema_overwrite_frequency",
    "loss_scale_factor",
    "gradient_accumulation_steps",
)

#: Optimizer name -> its own keyword arguments (besides the common ones).
_OWN_OPTIMIZER_ARGS: dict[str, tuple[str, ...]] = {
    "adadelta": ("rho", "epsilon"),
    "adafactor": ("beta_2_decay", "epsilon_1", "epsilon_2", "clip_threshold", "relative_step"),
    "adagrad": ("initial_accumulator_value", "epsilon"),
    "adam": ("beta_1", "beta_2", "epsilon", "amsgrad"),
    "adamax": ("beta_1", "beta_2", "epsilon"),
    "adamw": ("beta_1", "beta_2", "epsilon", "amsgrad"),
    "ftrl": (
        "learning_rate_power",
        "initial_accumulator_value",
        "l1_regularization_strength",
        "l2_regularization_strength",
        "l2_shrinkage_regularization_strength",
        "beta",
    ),
    "lamb": ("beta_1", "beta_2", "epsilon"),
    "lion": ("beta_1", "beta_2"),
    "muon": (
        "adam_beta_1",
        "adam_beta_2",
        "adam_weight_decay",
        "epsilon",
        "exclude_embeddings",
        "muon_a",
        "muon_b",
        "muon_c",
        "adam_lr_ratio",
        "momentum",
        "ns_steps",
        "nesterov",
        "rms_rate",
    ),
    "nadam": ("beta_1", "beta_2", "epsilon"),
    "rmsprop": ("rho", "momentum", "epsilon", "centered"),
    "sgd": ("momentum", "nesterov"),
}

OPTIMIZERS: tuple[str, ...] = tuple(sorted(_OWN_OPTIMIZER_ARGS))

#: Keras's default learning rate per optimizer (SGD differs from the rest).
DEFAULT_LEARNING_RATE: dict[str, float] = {name: 0.001 for name in OPTIMIZERS} | {"sgd": 0.01}

#: Optimizer arguments that are booleans; every other argument is a number.
BOOLEAN_OPTIMIZER_ARGS = frozenset({"amsgrad", "centered", "exclude_embeddings", "nesterov", "relative_step", "use_ema"})

#: Optimizer arguments that are counts.
INTEGER_OPTIMIZER_ARGS = frozenset({"ema_overwrite_frequency", "gradient_accumulation_steps", "ns_steps"})


def optimizer_args(name: str) -> tuple[str, ...]:
    """The keyword arguments of the Keras optimizer ``name`` (lower case)."""
    if not isinstance(name, str):
        return _COMMON_OPTIMIZER_ARGS
    return _COMMON_OPTIMIZER_ARGS + _OWN_OPTIMIZER_ARGS.get(name, ())


ACTIVATIONS: tuple[str, ...] = (
    "celu",
    "elu",
    "exponential",
    "gelu",
    "glu",
    "hard_shrink",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "hard_tanh",
    "leaky_relu",
    "linear",
    "log_sigmoid",
    "log_softmax",
    "mish",
    "relu",
    "relu6",
    "selu",
    "sigmoid",
    "silu",
    "soft_shrink",
    "softmax",
    "softplus",
    "softsign",
    "sparse_plus",
    "sparse_sigmoid",
    "sparsemax",
    "squareplus",
    "swish",
    "tanh",
    "tanh_shrink",
    "threshold",
)

LOSSES: tuple[str, ...] = (
    "auto",
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "categorical_crossentropy",
    "categorical_focal_crossentropy",
    "categorical_hinge",
    "cosine_similarity",
    "hinge",
    "huber",
    "kl_divergence",
    "log_cosh",
    "mae",
    "mape",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_error",
    "mean_squared_logarithmic_error",
    "mse",
    "msle",
    "poisson",
    "sparse_categorical_crossentropy",
    "squared_hinge",
)

EARLY_STOPPING_MONITORS: tuple[str, ...] = (
    "val_loss",
    "val_accuracy",
    "val_mae",
    "loss",
    "accuracy",
    "mae",
)
