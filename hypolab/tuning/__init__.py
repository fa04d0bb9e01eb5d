"""Keras Tuner searches for strong baselines.

The stages, one module each::

    searches/x.yaml -> searchspec (searchschema + searchchecks) -> SearchSpec
      -> space (hyperparameters) -> hypermodel + search (Keras Tuner, through
      keras_tuner_adapter) -> trials -> baseline (baselines/x.yaml)
      -> confirm (fresh seeds through the runner) -> report (reports/tune-x/)

This package module imports nothing: ``hypolab new --search`` uses
``hypolab.tuning.starter`` and validating a file uses ``searchspec``, neither
of which loads Keras. Only ``hypermodel``, ``keras_tuner_adapter`` and
``search`` import Keras (``confirm`` and ``tune`` load it when they run);
``keras_tuner_adapter`` alone uses Keras Tuner's internals.
"""
