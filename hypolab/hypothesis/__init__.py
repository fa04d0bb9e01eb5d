"""Hypothesis files: loading, validation and the resolved config of every arm.

``load`` reads a YAML hypothesis file and returns a validated
``hypolab.records.Hypothesis`` or raises ``SpecErrors`` naming every problem
by file, line, column and key.
"""

from __future__ import annotations

from hypolab.hypothesis.jsonschema import json_schema
from hypolab.hypothesis.loader import load, load_text, output_name
from hypolab.hypothesis.resolve import resolve_arm_config

__all__ = ["json_schema", "load", "load_text", "output_name", "resolve_arm_config"]
