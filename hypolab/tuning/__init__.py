"""Keras Tuner searches for strong baselines.

The stages, one module each::

    searches/x.yaml -> searchspec -> SearchSpec -> space (hyperparameters)
      -> hypermodel + search (Keras Tuner) -> baseline (baselines/x.yaml)
      -> confirm (fresh seeds through the runner) -> report (reports/tune-x/)

This package module imports nothing: ``hypolab new --search`` uses
``hypolab.tuning.starter`` and ``hypolab.tuning.searchspec`` without loading
Keras. Only ``hypermodel``, ``search`` and ``confirm`` import Keras.
"""
