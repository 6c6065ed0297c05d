"""The training request (the S3 object at InputLocation, POSTed to /invocations) and the training response.

Request, schemaVersion 1:
    {"schemaVersion": 1, "subjectId": "ana", "imageSetId": "is-0123456789abcdef", "modelVersion": "v-0123456789ab",
     "manifestUri": "s3://bucket/training/ana/is-0123456789abcdef/manifest.json",
     "outputUri": "s3://bucket/adapters/ana/v-0123456789ab/model.tar.gz",
     "baseModel": "stabilityai/stable-diffusion-2-1-base", "hyperparameters": {...any subset...}}
Unknown top-level keys are ignored (a newer writer may add context); unknown hyperparameters are refused.

Response (the 200 body, written by SageMaker to the output location):
    {"schemaVersion": 1, "subjectId", "imageSetId", "modelVersion", "adapterPackageUri", "adapterBytes",
     "baseModel", "hyperparameters": {...all, after defaults...},
     "timings": {"downloadSeconds", "classImagesSeconds", "trainingSeconds", "packagingSeconds"}}
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from .config import TrainingConfig, build_training_config
from .errors import InvalidResponseError, InvalidTrainingRequestError

SCHEMA_VERSION = 1
# The rules of events/identifiers.ts, read from the file `npm run events:schemas` generates from it.
_IDENTIFIERS = json.loads(Path(__file__).with_name("identifiers.json").read_text(encoding="utf-8"))
SUBJECT_ID_PATTERN = re.compile(_IDENTIFIERS["subjectId"])
IMAGE_SET_ID_PATTERN = re.compile(_IDENTIFIERS["imageSetId"])
MODEL_VERSION_PATTERN = re.compile(_IDENTIFIERS["modelVersion"])
URI_SCHEMES = ("s3://", "file://")
TIMING_KEYS = ("downloadSeconds", "classImagesSeconds", "trainingSeconds", "packagingSeconds")
MAX_REQUEST_BYTES = 1024 * 1024


@dataclass(frozen=True)
class TrainingRequest:
    subject_id: str
    image_set_id: str
    model_version: str
    manifest_uri: str
    output_uri: str
    base_model: str
    hyperparameters: dict[str, Any]
    """The overrides as sent (a subset)."""
    config: TrainingConfig


@dataclass(frozen=True)
class TrainingResponse:
    subject_id: str
    image_set_id: str
    model_version: str
    adapter_package_uri: str
    adapter_bytes: int
    base_model: str
    hyperparameters: dict[str, Any]
    """Every hyperparameter, after defaults."""
    timings: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "schemaVersion": SCHEMA_VERSION,
            "subjectId": self.subject_id,
            "imageSetId": self.image_set_id,
            "modelVersion": self.model_version,
            "adapterPackageUri": self.adapter_package_uri,
            "adapterBytes": self.adapter_bytes,
            "baseModel": self.base_model,
            "hyperparameters": dict(self.hyperparameters),
            "timings": {key: round(float(self.timings.get(key, 0.0)), 3) for key in TIMING_KEYS},
        }


def _decode(body: bytes | str | Mapping[str, Any], error: type[Exception]) -> Mapping[str, Any]:
    if isinstance(body, Mapping):
        return body
    if isinstance(body, (bytes, bytearray)):
        if len(body) > MAX_REQUEST_BYTES:
            raise error(f"body is {len(body)} bytes, more than {MAX_REQUEST_BYTES}")
        try:
            body = bytes(body).decode("utf-8")
        except UnicodeDecodeError as e:
            raise error(f"body is not UTF-8: {e}") from None
    try:
        document = json.loads(body)
    except json.JSONDecodeError as e:
        raise error(f"body is not JSON: {e}") from None
    if not isinstance(document, dict):
        raise error(f"body must be a JSON object, got {type(document).__name__}")
    return document


def _string(document: Mapping[str, Any], key: str, error: type[Exception], pattern: re.Pattern | None = None) -> str:
    if key not in document:
        raise error(f"{key} is required")
    value = document[key]
    if not isinstance(value, str) or not value:
        raise error(f"{key} must be a non-empty string, got {json.dumps(value)[:100]}")
    if pattern is not None and not pattern.match(value):
        raise error(f"{key} = {json.dumps(value)[:100]} does not match {pattern.pattern}")
    return value


def _uri(document: Mapping[str, Any], key: str, error: type[Exception], suffix: str | None = None) -> str:
    value = _string(document, key, error)
    if not value.startswith(URI_SCHEMES):
        raise error(f"{key} = {json.dumps(value)} must start with s3:// or file://")
    if value.startswith("s3://") and "/" not in value[len("s3://"):].strip("/"):
        raise error(f"{key} = {json.dumps(value)} must name a bucket and a key")
    if suffix and not value.endswith(suffix):
        raise error(f"{key} = {json.dumps(value)} must end with {suffix}")
    return value


def _schema_version(document: Mapping[str, Any], error: type[Exception]) -> None:
    version = document.get("schemaVersion")
    if version != SCHEMA_VERSION or isinstance(version, bool):
        raise error(f"schemaVersion must be {SCHEMA_VERSION}, got {json.dumps(version)}")


def parse_training_request(
    body: bytes | str | Mapping[str, Any], hyperparameters_document: Mapping[str, Any] | None = None
) -> TrainingRequest:
    """Parses and checks a request; raises InvalidTrainingRequestError with the field at fault."""
    error = InvalidTrainingRequestError
    document = _decode(body, error)
    _schema_version(document, error)
    overrides = document.get("hyperparameters", {})
    if overrides is None:
        overrides = {}
    if not isinstance(overrides, dict):
        raise error(f"hyperparameters must be an object, got {json.dumps(overrides)[:100]}")
    return TrainingRequest(
        subject_id=_string(document, "subjectId", error, SUBJECT_ID_PATTERN),
        image_set_id=_string(document, "imageSetId", error, IMAGE_SET_ID_PATTERN),
        model_version=_string(document, "modelVersion", error, MODEL_VERSION_PATTERN),
        manifest_uri=_uri(document, "manifestUri", error, ".json"),
        output_uri=_uri(document, "outputUri", error, ".tar.gz"),
        base_model=_string(document, "baseModel", error),
        hyperparameters=dict(overrides),
        config=build_training_config(overrides, hyperparameters_document),
    )


def parse_training_response(body: bytes | str | Mapping[str, Any]) -> TrainingResponse:
    """Reads a response back (tests, and a reference for the TypeScript callback's schema)."""
    error = InvalidResponseError
    document = _decode(body, error)
    _schema_version(document, error)
    adapter_bytes = document.get("adapterBytes")
    if isinstance(adapter_bytes, bool) or not isinstance(adapter_bytes, int) or adapter_bytes <= 0:
        raise error(f"adapterBytes must be a positive integer, got {json.dumps(adapter_bytes)}")
    hyperparameters = document.get("hyperparameters")
    if not isinstance(hyperparameters, dict):
        raise error("hyperparameters must be an object")
    timings = document.get("timings")
    if not isinstance(timings, dict):
        raise error("timings must be an object")
    for key in TIMING_KEYS:
        value = timings.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise error(f"timings.{key} must be a non-negative number, got {json.dumps(value)}")
    return TrainingResponse(
        subject_id=_string(document, "subjectId", error, SUBJECT_ID_PATTERN),
        image_set_id=_string(document, "imageSetId", error, IMAGE_SET_ID_PATTERN),
        model_version=_string(document, "modelVersion", error, MODEL_VERSION_PATTERN),
        adapter_package_uri=_uri(document, "adapterPackageUri", error, ".tar.gz"),
        adapter_bytes=adapter_bytes,
        base_model=_string(document, "baseModel", error),
        hyperparameters=dict(hyperparameters),
        timings={key: float(timings[key]) for key in TIMING_KEYS},
    )
