"""Fixtures shared by the training tests: a folder used as a bucket, a manifest, a request."""

from __future__ import annotations

import json
from pathlib import Path

SUBJECT = "ana"
IMAGE_SET = "is-0123456789abcdef"
MODEL_VERSION = "v-0123456789ab"
SET_PREFIX = f"training/{SUBJECT}/{IMAGE_SET}/"


def manifest_document(image_count: int = 3, **overrides) -> dict:
    document = {
        "schemaVersion": 1,
        "subjectId": SUBJECT,
        "imageSetId": IMAGE_SET,
        "resolution": 512,
        "instancePrompt": "a photo of zwx woman",
        "classPrompt": "a photo of woman",
        "images": [
            {"key": f"{SET_PREFIX}images/{i + 1:02d}.jpg", "sourceKey": f"subjects/{SUBJECT}/IMG_{i + 1:04d}.jpg"}
            for i in range(image_count)
        ],
    }
    document.update(overrides)
    return document


def write_bucket(root: Path, image_count: int = 3, **manifest_overrides) -> str:
    """Writes a training set into the folder `root` (used as a bucket); returns the manifest's file:// URI."""
    document = manifest_document(image_count, **manifest_overrides)
    for image in document["images"]:
        path = root / image["key"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\xff\xd8\xff\xe0 fake jpeg " + image["key"].encode())
    manifest = root / f"{SET_PREFIX}manifest.json"
    manifest.parent.mkdir(parents=True, exist_ok=True)
    manifest.write_text(json.dumps(document))
    return manifest.resolve().as_uri()


def request_document(manifest_uri: str, output_uri: str, **overrides) -> dict:
    document = {
        "schemaVersion": 1,
        "subjectId": SUBJECT,
        "imageSetId": IMAGE_SET,
        "modelVersion": MODEL_VERSION,
        "manifestUri": manifest_uri,
        "outputUri": output_uri,
        "baseModel": "stabilityai/stable-diffusion-2-1-base",
        "hyperparameters": {"maxTrainSteps": 500},
    }
    document.update(overrides)
    return document
