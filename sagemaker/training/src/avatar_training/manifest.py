"""The dataset manifest written by PrepareTrainingSet (functions/training-set/dataset-manifest.ts).

    {"schemaVersion": 1, "subjectId": "ana", "imageSetId": "is-...", "resolution": 512,
     "instancePrompt": "a photo of zwx woman", "classPrompt": "a photo of woman",
     "images": [{"key": "training/ana/is-.../images/01.jpg", "sourceKey": "subjects/ana/IMG_0001.jpg"}]}

Image keys are relative to the manifest's bucket. For an s3:// manifest that is its bucket; for a file:// manifest
(local mode stores a bucket as a folder) the bucket folder is the ancestor of the manifest whose relative path
is the manifest's key: the one whose key's folder is a prefix of the image keys' common folder.
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .errors import InvalidManifestError
from .storage import file_uri_path

SCHEMA_VERSION = 1
MAX_IMAGES = 200


@dataclass(frozen=True)
class ManifestImage:
    key: str
    source_key: str
    uri: str


@dataclass(frozen=True)
class DatasetManifest:
    subject_id: str
    image_set_id: str
    resolution: int
    instance_prompt: str
    class_prompt: str
    images: tuple[ManifestImage, ...]


def _required_string(document: dict, key: str, where: str = "") -> str:
    value = document.get(key)
    if not isinstance(value, str) or not value.strip():
        raise InvalidManifestError(f"manifest {where}{key} must be a non-empty string, got {json.dumps(value)[:100]}")
    return value


def _check_key(key: str, where: str) -> None:
    parts = PurePosixPath(key).parts
    if key.startswith("/") or ".." in parts or not parts:
        raise InvalidManifestError(f"manifest {where}key {json.dumps(key)} must be a relative key inside the bucket")


def _file_bucket_root(manifest_uri: str, image_keys: list[str]) -> PurePosixPath:
    manifest_path = PurePosixPath(file_uri_path(manifest_uri).as_posix())
    common = posixpath.commonpath([posixpath.dirname(k) or "." for k in image_keys]) if image_keys else ""
    for ancestor in manifest_path.parents:
        manifest_key_folder = posixpath.dirname(manifest_path.relative_to(ancestor).as_posix())
        if manifest_key_folder and (common == manifest_key_folder or common.startswith(manifest_key_folder + "/")):
            return ancestor
    raise InvalidManifestError(
        f"cannot find the bucket folder of {manifest_uri}: image keys under {common!r} do not share the manifest's"
        " folder; for file:// manifests the images must live under the same folders as in the bucket"
    )


def resolve_image_uris(manifest_uri: str, keys: list[str]) -> list[str]:
    if manifest_uri.startswith("s3://"):
        bucket = manifest_uri[len("s3://"):].partition("/")[0]
        return [f"s3://{bucket}/{key}" for key in keys]
    if manifest_uri.startswith("file://"):
        root = _file_bucket_root(manifest_uri, keys)
        return [Path(str(root / key)).as_uri() for key in keys]
    raise InvalidManifestError(f"unsupported manifest URI {manifest_uri}")


def parse_manifest(body: bytes | str, manifest_uri: str) -> DatasetManifest:
    try:
        document = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InvalidManifestError(f"manifest {manifest_uri} is not JSON: {e}") from None
    if not isinstance(document, dict):
        raise InvalidManifestError(f"manifest {manifest_uri} must be a JSON object")
    if document.get("schemaVersion") != SCHEMA_VERSION:
        raise InvalidManifestError(
            f"manifest schemaVersion must be {SCHEMA_VERSION}, got {json.dumps(document.get('schemaVersion'))}"
        )
    resolution = document.get("resolution")
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution <= 0:
        raise InvalidManifestError(f"manifest resolution must be a positive integer, got {json.dumps(resolution)}")
    images = document.get("images")
    if not isinstance(images, list) or not images:
        raise InvalidManifestError("manifest images must be a non-empty list: there is nothing to train on")
    if len(images) > MAX_IMAGES:
        raise InvalidManifestError(f"manifest lists {len(images)} images, more than {MAX_IMAGES}")
    keys: list[str] = []
    source_keys: list[str] = []
    for index, image in enumerate(images):
        where = f"images[{index}]."
        if not isinstance(image, dict):
            raise InvalidManifestError(f"manifest {where[:-1]} must be an object")
        key = _required_string(image, "key", where)
        _check_key(key, where)
        keys.append(key)
        source_keys.append(_required_string(image, "sourceKey", where))
    if len(set(keys)) != len(keys):
        raise InvalidManifestError("manifest lists the same image key twice")
    uris = resolve_image_uris(manifest_uri, keys)
    return DatasetManifest(
        subject_id=_required_string(document, "subjectId"),
        image_set_id=_required_string(document, "imageSetId"),
        resolution=resolution,
        instance_prompt=_required_string(document, "instancePrompt"),
        class_prompt=_required_string(document, "classPrompt"),
        images=tuple(ManifestImage(k, s, u) for k, s, u in zip(keys, source_keys, uris)),
    )
