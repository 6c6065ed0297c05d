"""Bytes and files at s3:// and file:// URIs.

s3:// goes through boto3 (imported on first use; a fake client with the same methods can be injected in tests).
file:// is a path on this machine (`file:///abs/path`); the pipeline's local mode stores its bucket as a folder,
so a file:// URI there is `file://<bucket folder>/<key>`.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from .errors import ObjectNotFoundError, StorageError

NOT_FOUND_CODES = {"NoSuchKey", "NoSuchBucket", "404", "NotFound"}


def split_s3_uri(uri: str) -> tuple[str, str]:
    """s3://bucket/some/key -> ("bucket", "some/key")."""
    if not uri.startswith("s3://"):
        raise ValueError(f"not an s3:// URI: {uri}")
    bucket, _, key = uri[len("s3://"):].partition("/")
    if not bucket:
        raise ValueError(f"no bucket in {uri}")
    return bucket, key


def file_uri_path(uri: str) -> Path:
    """file:///abs/path -> Path("/abs/path")."""
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        raise ValueError(f"not a file:// URI: {uri}")
    return Path(unquote(parsed.netloc + parsed.path))


def path_to_file_uri(path: Path | str) -> str:
    return Path(path).resolve().as_uri()


class Storage:
    """get/put for s3:// and file:// URIs. `s3_client` defaults to boto3.client("s3"), created on first use."""

    def __init__(self, s3_client: Any | None = None) -> None:
        self._s3 = s3_client

    @property
    def s3(self) -> Any:
        if self._s3 is None:
            import boto3  # lazy: not installed where the contracts are tested

            self._s3 = boto3.client("s3")
        return self._s3

    # -- errors -------------------------------------------------------------------------------------------------
    @staticmethod
    def _translate(uri: str, e: Exception) -> Exception:
        code = ""
        response = getattr(e, "response", None)
        if isinstance(response, dict):
            code = str(response.get("Error", {}).get("Code", ""))
        if code in NOT_FOUND_CODES or isinstance(e, (FileNotFoundError, NotADirectoryError)):
            return ObjectNotFoundError(f"{uri} does not exist")
        if code in {"AccessDenied", "403"}:
            return StorageError(f"access denied to {uri}", retryable=False)
        return StorageError(f"{uri}: {type(e).__name__}: {e}")

    # -- bytes ----------------------------------------------------------------------------------------------------
    def get_bytes(self, uri: str) -> bytes:
        try:
            if uri.startswith("file://"):
                return file_uri_path(uri).read_bytes()
            bucket, key = split_s3_uri(uri)
            return self.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except (ObjectNotFoundError, StorageError, ValueError):
            raise
        except Exception as e:  # noqa: BLE001 - translated to a typed error
            raise self._translate(uri, e) from e

    def put_bytes(self, uri: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        try:
            if uri.startswith("file://"):
                path = file_uri_path(uri)
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_name(path.name + ".partial")
                tmp.write_bytes(data)
                os.replace(tmp, path)
                return
            bucket, key = split_s3_uri(uri)
            self.s3.put_object(Bucket=bucket, Key=key, Body=data, ContentType=content_type)
        except (ObjectNotFoundError, StorageError, ValueError):
            raise
        except Exception as e:  # noqa: BLE001
            raise self._translate(uri, e) from e

    # -- files ----------------------------------------------------------------------------------------------------
    def download_file(self, uri: str, path: Path | str) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            if uri.startswith("file://"):
                shutil.copyfile(file_uri_path(uri), path)
            else:
                bucket, key = split_s3_uri(uri)
                self.s3.download_file(bucket, key, str(path))
        except (ObjectNotFoundError, StorageError, ValueError):
            raise
        except Exception as e:  # noqa: BLE001
            raise self._translate(uri, e) from e
        return path

    def upload_file(self, path: Path | str, uri: str, content_type: str = "application/gzip") -> int:
        """Uploads a local file; returns its size in bytes."""
        path = Path(path)
        size = path.stat().st_size
        try:
            if uri.startswith("file://"):
                target = file_uri_path(uri)
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp = target.with_name(target.name + ".partial")
                shutil.copyfile(path, tmp)
                os.replace(tmp, target)
            else:
                bucket, key = split_s3_uri(uri)
                self.s3.upload_file(str(path), bucket, key, ExtraArgs={"ContentType": content_type})
        except (ObjectNotFoundError, StorageError, ValueError):
            raise
        except Exception as e:  # noqa: BLE001
            raise self._translate(uri, e) from e
        return size

    def download_prefix(self, uri: str, directory: Path | str) -> int:
        """Copies every object under a prefix (s3://bucket/prefix/ or file:///dir/) into `directory`.

        Returns how many files were copied; raises ObjectNotFoundError when the prefix holds none.
        """
        directory = Path(directory)
        count = 0
        try:
            if uri.startswith("file://"):
                source = file_uri_path(uri)
                if not source.is_dir():
                    raise ObjectNotFoundError(f"{uri} is not a folder")
                for file in sorted(p for p in source.rglob("*") if p.is_file()):
                    target = directory / file.relative_to(source)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(file, target)
                    count += 1
            else:
                bucket, prefix = split_s3_uri(uri)
                if prefix and not prefix.endswith("/"):
                    prefix += "/"
                paginator = self.s3.get_paginator("list_objects_v2")
                for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
                    for item in page.get("Contents", []):
                        key = item["Key"]
                        relative = key[len(prefix):]
                        if not relative or key.endswith("/"):
                            continue
                        target = (directory / relative).resolve()
                        if directory.resolve() not in target.parents:
                            raise StorageError(f"refusing key outside the prefix: {key}", retryable=False)
                        target.parent.mkdir(parents=True, exist_ok=True)
                        self.s3.download_file(bucket, key, str(target))
                        count += 1
        except (ObjectNotFoundError, StorageError, ValueError):
            raise
        except Exception as e:  # noqa: BLE001
            raise self._translate(uri, e) from e
        if count == 0:
            raise ObjectNotFoundError(f"{uri} holds no files")
        return count
