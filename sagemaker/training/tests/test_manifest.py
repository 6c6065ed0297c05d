import json
import tempfile
import unittest
from pathlib import Path

from avatar_training.errors import InvalidManifestError
from avatar_training.manifest import parse_manifest

from .support import IMAGE_SET, SET_PREFIX, manifest_document, write_bucket

S3_MANIFEST = f"s3://ingest-bucket/{SET_PREFIX}manifest.json"


class ManifestTest(unittest.TestCase):
    def parse(self, document, uri=S3_MANIFEST):
        return parse_manifest(json.dumps(document).encode(), uri)

    def refused(self, document, fragment):
        with self.assertRaises(InvalidManifestError) as caught:
            self.parse(document)
        self.assertIn(fragment, str(caught.exception))
        self.assertEqual(caught.exception.status, 422)
        self.assertFalse(caught.exception.retryable)

    def test_parses_and_resolves_s3_uris_in_the_manifest_bucket(self):
        manifest = self.parse(manifest_document(2))
        self.assertEqual(manifest.subject_id, "ana")
        self.assertEqual(manifest.image_set_id, IMAGE_SET)
        self.assertEqual(manifest.resolution, 512)
        self.assertEqual(manifest.instance_prompt, "a photo of zwx woman")
        self.assertEqual(manifest.class_prompt, "a photo of woman")
        self.assertEqual(
            [i.uri for i in manifest.images],
            [f"s3://ingest-bucket/{SET_PREFIX}images/01.jpg", f"s3://ingest-bucket/{SET_PREFIX}images/02.jpg"],
        )
        self.assertEqual(manifest.images[0].source_key, "subjects/ana/IMG_0001.jpg")

    def test_file_manifest_resolves_keys_from_the_folder_used_as_bucket(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / "bucket"
            uri = write_bucket(root, 2)
            manifest = parse_manifest(Path(uri[len("file://"):]).read_bytes(), uri)
            for image in manifest.images:
                self.assertTrue(image.uri.startswith("file://"))
                self.assertTrue(Path(image.uri[len("file://"):]).is_file(), image.uri)
                self.assertEqual(Path(image.uri[len("file://"):]), (root / image.key).resolve())

    def test_empty_images(self):
        self.refused(manifest_document(0), "non-empty list")

    def test_missing_prompts(self):
        self.refused(manifest_document(instancePrompt=""), "instancePrompt")
        document = manifest_document()
        del document["classPrompt"]
        self.refused(document, "classPrompt")

    def test_bad_entries(self):
        self.refused(manifest_document(images=[{"key": "a.jpg"}]), "images[0].sourceKey")
        self.refused(manifest_document(images=[{"key": "../a.jpg", "sourceKey": "x"}]), "relative key")
        self.refused(manifest_document(images=["a.jpg"]), "images[0] must be an object")
        duplicate = {"key": "a/b.jpg", "sourceKey": "x"}
        self.refused(manifest_document(images=[duplicate, duplicate]), "same image key twice")

    def test_bad_document(self):
        with self.assertRaisesRegex(InvalidManifestError, "not JSON"):
            parse_manifest(b"nope", S3_MANIFEST)
        self.refused(manifest_document(schemaVersion=2), "schemaVersion")
        self.refused(manifest_document(resolution="512"), "resolution")


if __name__ == "__main__":
    unittest.main()
