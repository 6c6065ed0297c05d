import io
import json
import tempfile
import unittest
from pathlib import Path

from avatar_training.base_model import MARKER, resolve_base_model, source_kind
from avatar_training.errors import BaseModelError, ObjectNotFoundError, StorageError
from avatar_training.storage import Storage, path_to_file_uri, split_s3_uri


class ClientError(Exception):
    def __init__(self, code):
        super().__init__(code)
        self.response = {"Error": {"Code": code}}


class FakeS3:
    """The few boto3 S3 client methods Storage uses, over a dict."""

    def __init__(self, objects=None):
        self.objects = dict(objects or {})

    def get_object(self, Bucket, Key):
        if (Bucket, Key) not in self.objects:
            raise ClientError("NoSuchKey")
        return {"Body": io.BytesIO(self.objects[(Bucket, Key)])}

    def put_object(self, Bucket, Key, Body, ContentType=None):
        self.objects[(Bucket, Key)] = Body

    def download_file(self, bucket, key, path):
        if (bucket, key) not in self.objects:
            raise ClientError("404")
        Path(path).write_bytes(self.objects[(bucket, key)])

    def upload_file(self, path, bucket, key, ExtraArgs=None):
        self.objects[(bucket, key)] = Path(path).read_bytes()

    def get_paginator(self, name):
        assert name == "list_objects_v2"
        objects = self.objects

        class Paginator:
            def paginate(self, Bucket, Prefix):
                keys = sorted(k for b, k in objects if b == Bucket and k.startswith(Prefix))
                yield {"Contents": [{"Key": k} for k in keys[:2]]}
                yield {"Contents": [{"Key": k} for k in keys[2:]]}

        return Paginator()


class StorageTest(unittest.TestCase):
    def test_split_s3_uri(self):
        self.assertEqual(split_s3_uri("s3://b/a/c.json"), ("b", "a/c.json"))
        with self.assertRaises(ValueError):
            split_s3_uri("file:///x")

    def test_file_uris(self):
        with tempfile.TemporaryDirectory() as tmp:
            storage = Storage()
            uri = path_to_file_uri(Path(tmp) / "a dir" / "x.bin")
            storage.put_bytes(uri, b"hello")
            self.assertEqual(storage.get_bytes(uri), b"hello")
            copy = storage.download_file(uri, Path(tmp) / "copy.bin")
            self.assertEqual(copy.read_bytes(), b"hello")
            size = storage.upload_file(copy, path_to_file_uri(Path(tmp) / "out" / "y.bin"))
            self.assertEqual(size, 5)
            with self.assertRaises(ObjectNotFoundError):
                storage.get_bytes(path_to_file_uri(Path(tmp) / "missing"))

    def test_s3_through_an_injected_client(self):
        s3 = FakeS3({("b", "k/one"): b"1"})
        storage = Storage(s3_client=s3)
        self.assertEqual(storage.get_bytes("s3://b/k/one"), b"1")
        storage.put_bytes("s3://b/k/two", b"2")
        self.assertEqual(s3.objects[("b", "k/two")], b"2")
        with self.assertRaises(ObjectNotFoundError) as caught:
            storage.get_bytes("s3://b/missing")
        self.assertFalse(caught.exception.retryable)

    def test_transient_s3_errors_are_retryable(self):
        class Throttled(FakeS3):
            def get_object(self, Bucket, Key):
                raise ClientError("SlowDown")

        with self.assertRaises(StorageError) as caught:
            Storage(s3_client=Throttled()).get_bytes("s3://b/k")
        self.assertTrue(caught.exception.retryable)

    def test_download_prefix(self):
        s3 = FakeS3({("b", f"base/{name}"): name.encode() for name in ["model_index.json", "unet/c.json", "vae/w"]})
        with tempfile.TemporaryDirectory() as tmp:
            count = Storage(s3_client=s3).download_prefix("s3://b/base", tmp)
            self.assertEqual(count, 3)
            self.assertEqual((Path(tmp) / "unet" / "c.json").read_bytes(), b"unet/c.json")
            with self.assertRaises(ObjectNotFoundError):
                Storage(s3_client=s3).download_prefix("s3://b/nothing/", tmp)


class BaseModelTest(unittest.TestCase):
    def test_source_kinds(self):
        self.assertEqual(source_kind("stabilityai/stable-diffusion-2-1-base"), "huggingface")
        self.assertEqual(source_kind("s3://bucket/base-models/sd21/"), "s3")
        self.assertEqual(source_kind("/opt/models/sd"), "local")
        self.assertEqual(source_kind("file:///opt/models/sd"), "local")
        with self.assertRaises(BaseModelError):
            source_kind("not a model")

    def test_huggingface_download_once_per_source(self):
        calls = []

        def download(source, dest, revision):
            calls.append((source, revision))
            (dest / "model_index.json").write_text("{}")

        with tempfile.TemporaryDirectory() as tmp:
            dest = Path(tmp) / "base"
            for _ in range(2):
                path = resolve_base_model("org/model", dest, huggingface_download=download, log=lambda m: None)
                self.assertEqual(path, dest)
            self.assertEqual(calls, [("org/model", None)])
            self.assertEqual(json.loads((dest / MARKER).read_text())["source"], "org/model")
            resolve_base_model("org/other", dest, huggingface_download=download, log=lambda m: None)
            self.assertEqual(calls[-1], ("org/other", None))

    def test_s3_prefix(self):
        s3 = FakeS3({("b", "sd/model_index.json"): b"{}", ("b", "sd/unet/config.json"): b"{}"})
        with tempfile.TemporaryDirectory() as tmp:
            path = resolve_base_model("s3://b/sd/", Path(tmp) / "base", storage=Storage(s3), log=lambda m: None)
            self.assertTrue((path / "unet" / "config.json").is_file())

    def test_a_download_without_a_pipeline_is_refused(self):
        with tempfile.TemporaryDirectory() as tmp:
            with self.assertRaisesRegex(BaseModelError, "model_index.json"):
                resolve_base_model("org/model", Path(tmp) / "b", huggingface_download=lambda s, d, r: None,
                                   log=lambda m: None)

    def test_download_failures_are_base_model_errors(self):
        def fail(source, dest, revision):
            raise OSError("network down")

        with tempfile.TemporaryDirectory() as tmp:
            with self.assertRaisesRegex(BaseModelError, "network down"):
                resolve_base_model("org/model", Path(tmp) / "b", huggingface_download=fail, log=lambda m: None)

    def test_local_folder_is_used_in_place(self):
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "model_index.json").write_text("{}")
            self.assertEqual(resolve_base_model(tmp, "/nonexistent"), Path(tmp))
            self.assertEqual(resolve_base_model(Path(tmp).as_uri(), "/nonexistent"), Path(tmp))


if __name__ == "__main__":
    unittest.main()
