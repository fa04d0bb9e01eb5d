"""The JSON Schema of hypothesis files, for editors with a YAML language server."""

from __future__ import annotations

import copy
from typing import Any

from hypolab.hypothesis.schema import MODELS, HypothesisFile


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the hypothesis file format, with descriptions and enums.

    ``base`` and each arm's ``set`` accept partial configs: keys left out come
    from the defaults, the baseline file or ``base``. ``set`` also lists the
    common dotted keys (``model.units``, ``optimizer.learning_rate``...) so
    editors complete them; other keys stay allowed there, because what a
    ``set`` may hold depends on the file's ``base``.

    Example:
        >>> json_schema()["properties"]["direction"]["enum"]
        ['greater', 'less', 'two-sided', 'equivalent']
    """
    schema = HypothesisFile.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    defs = schema["$defs"]
    dotted: dict[str, Any] = {}
    model_names = tuple(model.__name__ for model in MODELS.values())
    for section, models in (("model", model_names), ("optimizer", ("OptimizerConfig",))):
        for model in models:
            for key, prop in defs[model]["properties"].items():
                prop = copy.deepcopy(prop)
                prop.pop("default", None)
                if "const" in prop:  # the kind of one model: offer every kind
                    prop = {"type": "string", "enum": list(MODELS), "description": prop.get("description", "")}
                dotted.setdefault(f"{section}.{key}", prop)
    top = {
        key: {k: v for k, v in prop.items() if k != "default"}
        for key, prop in defs["TrainConfig"]["properties"].items()
        if key not in ("model", "optimizer")
    }
    overrides = defs["ArmSpec"]["properties"]["set"]
    overrides["properties"] = {**top, **dotted}
    overrides["additionalProperties"] = True
    return schema
