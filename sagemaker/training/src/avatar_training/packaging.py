"""Packages trained LoRA weights as a Triton model for the GPU multi-model endpoint: weights and a manifest, no code.

The MME's TargetModel is `<tenantId>/<subjectId>/<modelVersion>.tar.gz` (relative to its ModelDataUrl prefix). The
archive holds one model folder, named by triton_model_name():

    <model>/config.pbtxt           sagemaker/serving/model_template/config.pbtxt with __MODEL_NAME__ replaced; it
                                   names the serving image's backend (`backend: "avatar_lora"`)
    <model>/1/avatar-model.json    subjectId, modelVersion, imageSetId, baseModel, hyperparameters, prompts
    <model>/1/adapter/...          the LoRA weights folder as saved by the trainer

The code that serves it (model.py) is baked into the serving image as the avatar_lora backend
(sagemaker/serving/backends/avatar_lora/model.py -> /opt/tritonserver/backends/avatar_lora/model.py), never packaged:
the training role writes packages, and a package must not be a way to run code on the serving host.
sagemaker/model-package-layout.json says what a package may hold; check_layout(), check_config() and check_package()
apply it, here, in the local multi-model host and (in TypeScript, functions/platform/model-package.ts) in DeployModel.

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
CONFIG_FILE = "config.pbtxt"
# A config.pbtxt larger than this is not ours (the template is about 2 KB).
MAX_CONFIG_BYTES = 64 * 1024
_SAGEMAKER_DIR = Path(__file__).resolve().parents[3]
# In the training image, the Dockerfile copies the template to /opt/avatar/model_template and sets MODEL_TEMPLATE_DIR,
# and the layout to /opt/avatar/model-package-layout.json and sets MODEL_PACKAGE_LAYOUT.
DEFAULT_TEMPLATE_DIR = _SAGEMAKER_DIR / "serving" / "model_template"
LAYOUT_FILE = _SAGEMAKER_DIR / "model-package-layout.json"
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
# config.pbtxt tokens that hide text from a field scan: strings (with escapes) and comments, left to right, so that a
# '#' in a string and a quote in a comment are what Triton's text-format parser takes them for.
_CONFIG_TOKENS = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|#[^\n]*')
# A field name: an identifier followed by ':' (scalar) or a message / list opener.
_CONFIG_FIELD = re.compile(r"(?<![A-Za-z0-9_.])([A-Za-z_][A-Za-z0-9_]*)\s*(?=[:{\[<])")
_OPENERS, _CLOSERS = "{[<", "}]>"


def template_dir() -> Path:
    return Path(os.environ.get("MODEL_TEMPLATE_DIR") or DEFAULT_TEMPLATE_DIR)


def layout_file() -> Path:
    return Path(os.environ.get("MODEL_PACKAGE_LAYOUT") or LAYOUT_FILE)


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


def load_layout(path: Path | str | None = None) -> dict[str, Any]:
    try:
        with open(path if path is not None else layout_file(), encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError as e:
        raise PackagingError(f"package layout missing: {e.filename} (set MODEL_PACKAGE_LAYOUT)") from None


def _is_code(entry: str, layout: dict[str, Any]) -> bool:
    base = entry.rstrip("/").rsplit("/", 1)[-1]
    return base in layout["forbiddenNames"] or base.lower().endswith(tuple(layout["forbiddenSuffixes"]))


def _unsafe_name(entry: str) -> bool:
    parts = entry.rstrip("/").split("/")
    return entry.startswith("/") or "\\" in entry or any(part in ("", ".", "..") for part in parts)


def check_layout(entries: Iterable[str], model_name: str, layout: dict[str, Any] | None = None) -> list[str]:
    """Problems with a package's entry list (empty when it matches sagemaker/model-package-layout.json).

    Each problem names the entry: code (`.py` and the other forbiddenSuffixes / forbiddenNames), an entry the
    layout does not allow, a required entry or folder that is missing.
    """
    layout = layout if layout is not None else load_layout()

    def expand(pattern: str) -> str:
        return pattern.replace(LAYOUT_PLACEHOLDER, model_name)

    names = list(dict.fromkeys(entries))
    allowed = {expand(e) for e in layout["allowedEntries"]}
    adapter = expand(layout["adapterDirectory"])
    adapter_suffixes = tuple(layout["adapterFileSuffixes"])
    problems = []
    if not re.match(layout["modelNamePattern"], model_name):
        problems.append(f"{model_name!r} is not a Triton model name")
    strays = []
    for name in names:
        if _unsafe_name(name):
            problems.append(f"unsafe entry name {name!r}")
        elif _is_code(name, layout):
            problems.append(
                f"carries code: {name} (the code is the serving image's backend; a package holds weights,"
                " a manifest and config.pbtxt only)"
            )
        elif not name.startswith(model_name + "/"):
            strays.append(name)
        elif name in allowed:
            continue
        elif name.startswith(adapter):
            if not name.endswith("/") and not name.lower().endswith(adapter_suffixes):
                problems.append(f"unexpected adapter file {name} (only {', '.join(adapter_suffixes)} files)")
        else:
            problems.append(
                f"unexpected entry {name} (a package holds only {', '.join(sorted(allowed))} and files under {adapter})"
            )
    if strays:
        problems.append(f"entries outside {model_name}/: {sorted(strays)}")
    present = set(names)
    for required in layout["requiredEntries"]:
        name = expand(required)
        if name not in present:
            problems.append(f"missing {name}")
    for required in layout["requiredDirectories"]:
        folder = expand(required)
        if folder not in present:
            problems.append(f"missing folder {folder}")
        elif not any(n.startswith(folder) and n != folder and not n.endswith("/") for n in present):
            problems.append(f"folder {folder} is empty")
    return problems


def check_config(text: str, model_name: str, layout: dict[str, Any] | None = None) -> list[str]:
    """Problems with a package's config.pbtxt: it must name the model, name our backend, and set only configFields.

    Strings and comments are masked first, so a field hidden in either is neither missed nor invented; every field
    name (an identifier before ':', '{', '[' or '<') at any depth must be allowed; `name` and `backend` must appear
    once at the top level, as one plain string each.
    """
    layout = layout if layout is not None else load_layout()
    strings: list[str] = []

    def mask(match: re.Match[str]) -> str:
        token = match.group(0)
        if token.startswith("#"):
            return " "
        strings.append(token[1:-1])
        return f'"{len(strings) - 1}"'

    masked = _CONFIG_TOKENS.sub(mask, text)
    problems = []
    refused: list[str] = []
    top: dict[str, list[str | None]] = {}
    depth, scanned = 0, 0
    for match in _CONFIG_FIELD.finditer(masked):
        between = masked[scanned : match.start()]
        depth += sum(between.count(c) for c in _OPENERS) - sum(between.count(c) for c in _CLOSERS)
        scanned = match.start()
        field = match.group(1)
        if field not in layout["configFields"] and field not in refused:
            refused.append(field)
        if depth == 0:
            value = re.match(r'\s*:\s*"(\d+)"(?!\s*")', masked[match.end() :])
            top.setdefault(field, []).append(strings[int(value.group(1))] if value else None)
    if refused:
        problems.append(
            f"{CONFIG_FILE} sets {', '.join(refused)}: a package may set only {', '.join(layout['configFields'])}"
        )
    backend = layout["backend"]
    backends = top.get("backend", [])
    if backends != [backend]:
        named = ", ".join(repr(b) if b is not None else "a value that is not one plain string" for b in backends)
        problems.append(
            f"{CONFIG_FILE} names the backend {named or 'nowhere'}, not {backend!r} (the serving image's backend)"
        )
    names = top.get("name", [])
    if names != [model_name]:
        named = ", ".join(repr(n) if n is not None else "a value that is not one plain string" for n in names)
        problems.append(f"{CONFIG_FILE} names the model {named or 'nowhere'}, not {model_name!r} (its folder)")
    return problems


def check_package(archive: Path | str | bytes, layout: dict[str, Any] | None = None) -> tuple[str, list[str]]:
    """(model name, problems) of a package: its entries (check_layout), their types and its config.pbtxt."""
    layout = layout if layout is not None else load_layout()
    fileobj = io.BytesIO(archive) if isinstance(archive, bytes) else open(archive, "rb")
    problems = []
    with fileobj, tarfile.open(fileobj=fileobj, mode="r:gz") as tar:
        members = tar.getmembers()
        names = [m.name + "/" if m.isdir() else m.name for m in members]
        model_name = names[0].split("/")[0] if names else ""
        if not names:
            return model_name, ["the package is empty"]
        problems.extend(check_layout(names, model_name, layout))
        for member, name in zip(members, names):
            if not (member.isfile() or member.isdir()):
                problems.append(f"{name} is not a regular file or folder (links and devices are refused)")
        config_name = f"{model_name}/{CONFIG_FILE}"
        config = next((m for m in members if m.name == config_name and m.isfile()), None)
        if config is not None:
            if config.size > MAX_CONFIG_BYTES:
                problems.append(f"{config_name} is {config.size} bytes, more than {MAX_CONFIG_BYTES}")
            else:
                text = tar.extractfile(config).read().decode("utf-8", errors="replace")
                problems.extend(check_config(text, model_name, layout))
    return model_name, problems


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
        config_template = (templates / CONFIG_FILE).read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise PackagingError(f"model template missing: {e.filename} (set MODEL_TEMPLATE_DIR)") from None

    name = triton_model_name(subject_id, model_version)
    version = f"{name}/{MODEL_VERSION_DIR}"
    config = render_config(config_template, name)
    files: dict[str, bytes | Path] = {
        f"{name}/{CONFIG_FILE}": config.encode("utf-8"),
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
    # The layout the endpoint's checks apply, applied before anything is written: no code, our backend only.
    layout = load_layout()
    problems = check_layout(entries, name, layout) + check_config(config, name, layout)
    if problems:
        raise PackagingError(f"the package would not match the layout: {'; '.join(problems)}")

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
