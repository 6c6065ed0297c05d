"""Packages trained LoRA weights as a Triton Python-backend model for the GPU multi-model endpoint.

The MME's TargetModel is `<subjectId>/<modelVersion>.tar.gz` (relative to its ModelDataUrl prefix). The archive
holds one model folder, named by triton_model_name():

    <model>/config.pbtxt           sagemaker/serving/model_template/config.pbtxt with __MODEL_NAME__ replaced
    <model>/1/model.py             sagemaker/serving/model_template/model.py
    <model>/1/avatar-model.json    subjectId, modelVersion, imageSetId, baseModel, hyperparameters, prompts
    <model>/1/adapter/...          the LoRA weights folder as saved by the trainer

The archive is deterministic: sorted entries, mtime 0, uid/gid 0, no owner names, gzip header without name or
time, so the same inputs always give the same bytes (and the same ETag).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import re
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from .errors import PackagingError

MODEL_NAME_PLACEHOLDER = "__MODEL_NAME__"
MODEL_VERSION_DIR = "1"
ADAPTER_DIR = "adapter"
METADATA_FILE = "avatar-model.json"
LAYOUT_PLACEHOLDER = "<model>"
_SAGEMAKER_DIR = Path(__file__).resolve().parents[3]
# In the training image, the Dockerfile copies the template to /opt/avatar/model_template and sets MODEL_TEMPLATE_DIR.
DEFAULT_TEMPLATE_DIR = _SAGEMAKER_DIR / "serving" / "model_template"
LAYOUT_FILE = _SAGEMAKER_DIR / "model-package-layout.json"
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def template_dir() -> Path:
    return Path(os.environ.get("MODEL_TEMPLATE_DIR") or DEFAULT_TEMPLATE_DIR)


def triton_model_name(subject_id: str, model_version: str) -> str:
    """A Triton model name ([A-Za-z0-9_-] only) unique to a subject and model version.

    Rule: "avatar_" + subjectId + "_" + modelVersion, each with every character outside [A-Za-z0-9_-] replaced by
    "_", then "_" + the first 8 hex digits of sha256("<subjectId>/<modelVersion>") so two ids that sanitize to the
    same text ("a.b" and "a_b") still get different names.
        triton_model_name("ana", "v-0123456789ab") == "avatar_ana_v-0123456789ab_" + sha256("ana/v-0123456789ab")[:8]
    """
    digest = hashlib.sha256(f"{subject_id}/{model_version}".encode("utf-8")).hexdigest()[:8]
    return f"avatar_{_UNSAFE.sub('_', subject_id)}_{_UNSAFE.sub('_', model_version)}_{digest}"


def target_model(subject_id: str, model_version: str, tenant_id: str = "default") -> str:
    """The MME TargetModel (the object key under the endpoint's ModelDataUrl prefix), as DeployModel names it."""
    return f"{tenant_id}/{subject_id}/{model_version}.tar.gz"


def render_config(template: str, model_name: str) -> str:
    if MODEL_NAME_PLACEHOLDER not in template:
        raise PackagingError(f"config.pbtxt template has no {MODEL_NAME_PLACEHOLDER}")
    return template.replace(MODEL_NAME_PLACEHOLDER, model_name)


def load_layout(path: Path | str = LAYOUT_FILE) -> dict[str, list[str]]:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def check_layout(entries: Iterable[str], model_name: str, layout: dict[str, Any] | None = None) -> list[str]:
    """Problems with a package's entry list (empty when it matches sagemaker/model-package-layout.json)."""
    layout = layout if layout is not None else load_layout()
    names = set(entries)
    problems = []
    for required in layout["requiredEntries"]:
        name = required.replace(LAYOUT_PLACEHOLDER, model_name)
        if name not in names:
            problems.append(f"missing {name}")
    for required in layout["requiredDirectories"]:
        folder = required.replace(LAYOUT_PLACEHOLDER, model_name)
        if folder not in names:
            problems.append(f"missing folder {folder}")
        elif not any(n.startswith(folder) and n != folder and not n.endswith("/") for n in names):
            problems.append(f"folder {folder} is empty")
    strays = sorted(n for n in names if not n.startswith(model_name + "/") and n != model_name + "/")
    if strays:
        problems.append(f"entries outside {model_name}/: {strays}")
    return problems


def list_package(archive: Path | str | bytes) -> list[str]:
    """Entry names of a package in archive order, folders ending with '/'."""
    fileobj = io.BytesIO(archive) if isinstance(archive, bytes) else open(archive, "rb")
    with fileobj, tarfile.open(fileobj=fileobj, mode="r:gz") as tar:
        return [m.name + "/" if m.isdir() else m.name for m in tar.getmembers()]


@dataclass(frozen=True)
class PackageInfo:
    path: Path
    model_name: str
    target_model: str
    size: int
    sha256: str
    entries: list[str]


def _metadata(
    subject_id: str,
    model_version: str,
    image_set_id: str,
    base_model: str,
    hyperparameters: dict[str, Any],
    instance_prompt: str,
    class_prompt: str,
    model_name: str,
) -> bytes:
    document = {
        "schemaVersion": 1,
        "subjectId": subject_id,
        "modelVersion": model_version,
        "imageSetId": image_set_id,
        "tritonModelName": model_name,
        "baseModel": base_model,
        "hyperparameters": hyperparameters,
        "instancePrompt": instance_prompt,
        "classPrompt": class_prompt,
    }
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode("utf-8")


def _dir_info(name: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    info.mode = 0o755
    return _normalize(info)


def _file_info(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o644
    return _normalize(info)


def _normalize(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.mtime = 0
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def build_model_package(
    *,
    adapter_dir: Path | str,
    out_path: Path | str,
    subject_id: str,
    model_version: str,
    image_set_id: str,
    base_model: str,
    hyperparameters: dict[str, Any],
    instance_prompt: str,
    class_prompt: str = "",
    templates: Path | str | None = None,
) -> PackageInfo:
    """Writes the package to `out_path` and returns what it holds."""
    adapter_dir = Path(adapter_dir)
    templates = Path(templates) if templates is not None else template_dir()
    adapter_files = sorted(p for p in adapter_dir.rglob("*") if p.is_file()) if adapter_dir.is_dir() else []
    if not adapter_files:
        raise PackagingError(f"no adapter weights in {adapter_dir}: the trainer saved nothing")
    try:
        config_template = (templates / "config.pbtxt").read_text(encoding="utf-8")
        model_py = (templates / "model.py").read_bytes()
    except FileNotFoundError as e:
        raise PackagingError(f"model template missing: {e.filename} (set MODEL_TEMPLATE_DIR)") from None

    name = triton_model_name(subject_id, model_version)
    version = f"{name}/{MODEL_VERSION_DIR}"
    files: dict[str, bytes | Path] = {
        f"{name}/config.pbtxt": render_config(config_template, name).encode("utf-8"),
        f"{version}/model.py": model_py,
        f"{version}/{METADATA_FILE}": _metadata(
            subject_id, model_version, image_set_id, base_model, hyperparameters, instance_prompt, class_prompt, name
        ),
    }
    for file in adapter_files:
        files[f"{version}/{ADAPTER_DIR}/{file.relative_to(adapter_dir).as_posix()}"] = file
    folders = {f"{name}/"}
    for entry in files:
        parts = entry.split("/")[:-1]
        folders.update("/".join(parts[: i + 1]) + "/" for i in range(len(parts)))
    entries = sorted(folders | set(files))

    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with open(out_path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as gz:
            with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
                for entry in entries:
                    if entry.endswith("/"):
                        tar.addfile(_dir_info(entry.rstrip("/")))
                        continue
                    content = files[entry]
                    if isinstance(content, Path):
                        with open(content, "rb") as f:
                            tar.addfile(_file_info(entry, content.stat().st_size), f)
                    else:
                        tar.addfile(_file_info(entry, len(content)), io.BytesIO(content))
    digest = hashlib.sha256()
    with open(out_path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return PackageInfo(
        path=out_path,
        model_name=name,
        target_model=target_model(subject_id, model_version),
        size=out_path.stat().st_size,
        sha256=digest.hexdigest(),
        entries=entries,
    )
