"""Training hyperparameters: the request's overrides merged over the defaults of hyperparameters.json.

hyperparameters.json is generated from events/training-settings.ts (the TypeScript side validates the same bounds
with zod); this module checks them again so that a request written by hand, or by an older Lambda, cannot train with
values the pipeline never allowed.

TRAINING_HYPERPARAMETERS_FILE replaces that document for a host that is not the product's: the CPU host of the tiny
test model (sagemaker/tiny/hyperparameters.json) trains a few steps at 64 px, which the product's bounds refuse.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Mapping

from .errors import InvalidTrainingRequestError

HYPERPARAMETERS_FILE = Path(__file__).with_name("hyperparameters.json")

# Numbers that may have a fractional part although their default may be written as an integer (priorLossWeight: 1).
FLOAT_FIELDS = frozenset({"learningRate", "priorLossWeight"})
MIXED_PRECISION_CHOICES = ("fp16", "bf16", "no")


@dataclass(frozen=True)
class TrainingConfig:
    resolution: int
    max_train_steps: int
    learning_rate: float
    lora_rank: int
    text_encoder_rank: int
    train_text_encoder: bool
    prior_preservation: bool
    num_class_images: int
    prior_loss_weight: float
    seed: int
    mixed_precision: str

    def to_hyperparameters(self) -> dict[str, Any]:
        """The camelCase document of every hyperparameter (what the response and avatar-model.json carry)."""
        return {camel: getattr(self, snake) for camel, snake in FIELD_NAMES.items()}

    @property
    def uses_class_images(self) -> bool:
        return self.prior_preservation and self.num_class_images > 0


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


FIELD_NAMES: dict[str, str] = {
    "resolution": "resolution",
    "maxTrainSteps": "max_train_steps",
    "learningRate": "learning_rate",
    "loraRank": "lora_rank",
    "textEncoderRank": "text_encoder_rank",
    "trainTextEncoder": "train_text_encoder",
    "priorPreservation": "prior_preservation",
    "numClassImages": "num_class_images",
    "priorLossWeight": "prior_loss_weight",
    "seed": "seed",
    "mixedPrecision": "mixed_precision",
}
assert all(_snake(camel) == snake for camel, snake in FIELD_NAMES.items())
assert set(FIELD_NAMES.values()) == {f.name for f in fields(TrainingConfig)}


def hyperparameters_file() -> Path:
    return Path(os.environ.get("TRAINING_HYPERPARAMETERS_FILE") or HYPERPARAMETERS_FILE)


def load_hyperparameters_document(path: Path | str | None = None) -> dict[str, Any]:
    """Reads hyperparameters.json and checks that it describes exactly the fields TrainingConfig has."""
    path = path if path is not None else hyperparameters_file()
    with open(path, encoding="utf-8") as f:
        document = json.load(f)
    defaults = document.get("defaults")
    bounds = document.get("bounds", {})
    if not isinstance(defaults, dict) or not isinstance(bounds, dict):
        raise ValueError(f"{path}: expected 'defaults' and 'bounds' objects")
    if set(defaults) != set(FIELD_NAMES):
        missing = sorted(set(FIELD_NAMES) - set(defaults))
        extra = sorted(set(defaults) - set(FIELD_NAMES))
        raise ValueError(f"{path}: defaults do not match TrainingConfig (missing {missing}, unknown {extra})")
    unknown_bounds = sorted(set(bounds) - set(FIELD_NAMES))
    if unknown_bounds:
        raise ValueError(f"{path}: bounds for unknown hyperparameters {unknown_bounds}")
    return document


def _describe_bounds(bound: Mapping[str, Any], integer: bool) -> str:
    kind = "an integer" if integer else "a number"
    text = f"{kind} from {bound['min']} to {bound['max']}" if "min" in bound and "max" in bound else kind
    if "multipleOf" in bound:
        text += f", a multiple of {bound['multipleOf']}"
    return text


def _check_value(name: str, value: Any, default: Any, bound: Mapping[str, Any] | None) -> Any:
    def fail(allowed: str) -> InvalidTrainingRequestError:
        return InvalidTrainingRequestError(f"hyperparameters.{name} = {json.dumps(value)} is invalid: expected {allowed}")

    if name == "mixedPrecision":
        if value not in MIXED_PRECISION_CHOICES:
            raise fail("one of " + ", ".join(f'"{c}"' for c in MIXED_PRECISION_CHOICES))
        return value
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise fail("true or false")
        return value
    if isinstance(default, (int, float)):
        integer = isinstance(default, int) and name not in FLOAT_FIELDS
        bound = bound or {}
        allowed = _describe_bounds(bound, integer)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise fail(allowed)
        if integer:
            if isinstance(value, float) and not value.is_integer():
                raise fail(allowed)
            value = int(value)
        else:
            value = float(value)
        if "min" in bound and value < bound["min"]:
            raise fail(allowed)
        if "max" in bound and value > bound["max"]:
            raise fail(allowed)
        if "multipleOf" in bound:
            ratio = value / bound["multipleOf"]
            if abs(ratio - round(ratio)) > 1e-9:
                raise fail(allowed)
        return value
    if isinstance(default, str):
        if not isinstance(value, str):
            raise fail("a string")
        return value
    raise fail(f"a value of the same type as the default {json.dumps(default)}")


def build_training_config(
    overrides: Mapping[str, Any] | None, document: Mapping[str, Any] | None = None
) -> TrainingConfig:
    """Merges `overrides` (the request's `hyperparameters`, any subset) over the defaults and checks every value.

    Raises InvalidTrainingRequestError naming the field, the value and what is allowed.
    """
    document = document if document is not None else load_hyperparameters_document()
    defaults: Mapping[str, Any] = document["defaults"]
    bounds: Mapping[str, Any] = document.get("bounds", {})
    if overrides is None:
        overrides = {}
    if not isinstance(overrides, Mapping):
        raise InvalidTrainingRequestError(
            f"hyperparameters must be an object, got {json.dumps(overrides)[:100]}"
        )
    unknown = sorted(set(overrides) - set(defaults))
    if unknown:
        raise InvalidTrainingRequestError(
            f"unknown hyperparameters {unknown}: allowed are {sorted(defaults)}"
        )
    merged = {**defaults, **overrides}
    values = {
        FIELD_NAMES[name]: _check_value(name, merged[name], defaults[name], bounds.get(name))
        for name in FIELD_NAMES
    }
    return TrainingConfig(**values)
