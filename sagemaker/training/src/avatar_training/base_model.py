"""Locates the Stable Diffusion base model on local disk, once per container start.

`BASE_MODEL` names it the same way for the training endpoint and the serving (MME) endpoint, so both use the
same base (the seed trained on 2.1-base at 512 px and served 2.1 at 768 px):
  - a Hugging Face id such as "stabilityai/stable-diffusion-2-1-base" (huggingface_hub.snapshot_download;
    optional BASE_MODEL_REVISION pins a commit; HF_TOKEN is read by huggingface_hub itself),
  - an s3:// prefix of a pipeline saved with `save_pretrained` (every object under it is copied),
  - a local folder or file:// URI (already on disk: used in place).
It lands in `BASE_MODEL_DIR` (default /opt/avatar/base-model). A marker file records which source a folder holds,
so a restart with the same source skips the download and a different source replaces it.

Also a command, used by the serving container's start.sh:
    python3 -m avatar_training.base_model --source "$BASE_MODEL" --dest "$BASE_MODEL_DIR"
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import time
from pathlib import Path
from typing import Callable

from .errors import BaseModelError
from .storage import Storage, file_uri_path

DEFAULT_BASE_MODEL = "stabilityai/stable-diffusion-2-1-base"
DEFAULT_BASE_MODEL_DIR = "/opt/avatar/base-model"
MARKER = ".avatar-base-model.json"
HF_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")
# The diffusers folders only: the repositories also hold multi-GB single-file checkpoints the pipeline never reads.
DEFAULT_ALLOW_PATTERNS = ("model_index.json", "*/*.json", "*/*.txt", "*/*.safetensors")
DEFAULT_IGNORE_PATTERNS = ("*.fp16.*", "*non_ema*", "*.ckpt", "*.msgpack", "*.onnx")


def source_kind(source: str) -> str:
    """'s3', 'local' or 'huggingface'; raises BaseModelError for anything else."""
    if source.startswith("s3://"):
        return "s3"
    if source.startswith("file://") or source.startswith("/") or source.startswith("."):
        return "local"
    if HF_ID_PATTERN.match(source):
        return "huggingface"
    raise BaseModelError(
        f"BASE_MODEL {source!r} is neither a Hugging Face id (org/name), an s3:// prefix nor a local folder",
        retryable=False,
    )


def _marker(source: str, revision: str | None) -> dict:
    return {"source": source, "revision": revision}


def _has_pipeline(directory: Path) -> bool:
    return (directory / "model_index.json").is_file()


def _huggingface_download(source: str, dest: Path, revision: str | None) -> None:
    from huggingface_hub import snapshot_download  # lazy

    allow = os.environ.get("BASE_MODEL_ALLOW_PATTERNS")
    snapshot_download(
        repo_id=source,
        revision=revision,
        local_dir=str(dest),
        allow_patterns=allow.split(",") if allow else list(DEFAULT_ALLOW_PATTERNS),
        ignore_patterns=list(DEFAULT_IGNORE_PATTERNS),
    )


def resolve_base_model(
    source: str,
    cache_dir: Path | str,
    *,
    storage: Storage | None = None,
    revision: str | None = None,
    huggingface_download: Callable[[str, Path, str | None], None] = _huggingface_download,
    log: Callable[[str], None] = lambda message: print(message, file=sys.stderr, flush=True),
) -> Path:
    """Returns a local folder holding the diffusers pipeline named by `source` (downloading it when needed)."""
    kind = source_kind(source)
    if kind == "local":
        path = file_uri_path(source) if source.startswith("file://") else Path(source)
        if not _has_pipeline(path):
            raise BaseModelError(f"{path} has no model_index.json: not a saved diffusers pipeline", retryable=False)
        return path

    dest = Path(cache_dir)
    marker = dest / MARKER
    wanted = _marker(source, revision)
    if marker.is_file() and _has_pipeline(dest):
        try:
            if json.loads(marker.read_text()) == wanted:
                log(f"base model {source} already in {dest}")
                return dest
        except json.JSONDecodeError:
            pass
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    started = time.monotonic()
    try:
        if kind == "s3":
            (storage or Storage()).download_prefix(source, dest)
        else:
            huggingface_download(source, dest, revision)
    except BaseModelError:
        raise
    except Exception as e:  # noqa: BLE001 - any download failure leaves no marker and is reported as such
        raise BaseModelError(f"could not download base model {source}: {type(e).__name__}: {e}") from e
    if not _has_pipeline(dest):
        raise BaseModelError(f"base model {source} has no model_index.json: not a diffusers pipeline", retryable=False)
    marker.write_text(json.dumps(wanted))
    log(f"base model {source} downloaded to {dest} in {time.monotonic() - started:.1f}s")
    return dest


def resolve_from_environment(environ: dict[str, str] | None = None, **kwargs) -> tuple[str, Path]:
    """(BASE_MODEL, local folder) from the environment."""
    env = os.environ if environ is None else environ
    source = env.get("BASE_MODEL", DEFAULT_BASE_MODEL)
    directory = env.get("BASE_MODEL_DIR", DEFAULT_BASE_MODEL_DIR)
    return source, resolve_base_model(source, directory, revision=env.get("BASE_MODEL_REVISION") or None, **kwargs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Install the Stable Diffusion base model into a local folder.")
    parser.add_argument("--source", default=os.environ.get("BASE_MODEL", DEFAULT_BASE_MODEL))
    parser.add_argument("--dest", default=os.environ.get("BASE_MODEL_DIR", DEFAULT_BASE_MODEL_DIR))
    parser.add_argument("--revision", default=os.environ.get("BASE_MODEL_REVISION") or None)
    args = parser.parse_args(argv)
    try:
        path = resolve_base_model(args.source, args.dest, revision=args.revision)
    except BaseModelError as e:
        print(f"base model: {e}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
