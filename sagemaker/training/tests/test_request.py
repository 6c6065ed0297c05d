import json
import unittest

from avatar_training.errors import InvalidResponseError, InvalidTrainingRequestError
from avatar_training.request import (
    TIMING_KEYS,
    TrainingResponse,
    parse_training_request,
    parse_training_response,
)

from .support import request_document

MANIFEST = "s3://bucket/training/ana/is-0123456789abcdef/manifest.json"
OUTPUT = "s3://bucket/adapters/ana/v-0123456789ab/model.tar.gz"


class TrainingRequestTest(unittest.TestCase):
    def parse(self, **overrides):
        return parse_training_request(json.dumps(request_document(MANIFEST, OUTPUT, **overrides)).encode())

    def refused(self, body, *fragments):
        with self.assertRaises(InvalidTrainingRequestError) as caught:
            parse_training_request(body)
        for fragment in fragments:
            self.assertIn(fragment, str(caught.exception))
        return caught.exception

    def test_parses_the_documented_example(self):
        request = self.parse()
        self.assertEqual(request.subject_id, "ana")
        self.assertEqual(request.image_set_id, "is-0123456789abcdef")
        self.assertEqual(request.model_version, "v-0123456789ab")
        self.assertEqual(request.manifest_uri, MANIFEST)
        self.assertEqual(request.output_uri, OUTPUT)
        self.assertEqual(request.base_model, "stabilityai/stable-diffusion-2-1-base")
        self.assertEqual(request.hyperparameters, {"maxTrainSteps": 500})
        self.assertEqual(request.config.max_train_steps, 500)
        self.assertEqual(request.config.resolution, 512)

    def test_hyperparameters_are_optional(self):
        document = request_document(MANIFEST, OUTPUT)
        del document["hyperparameters"]
        self.assertEqual(parse_training_request(document).config.max_train_steps, 1000)

    def test_unknown_top_level_keys_are_ignored(self):
        self.assertEqual(self.parse(requestedAt="2025-01-01T00:00:00Z").subject_id, "ana")

    def test_bad_json(self):
        self.refused(b"{not json", "not JSON")
        self.refused(b"[1]", "JSON object")
        self.refused(b"\xff\xfe", "not UTF-8")

    def test_schema_version(self):
        self.refused(request_document(MANIFEST, OUTPUT, schemaVersion=2), "schemaVersion must be 1")
        self.refused(request_document(MANIFEST, OUTPUT, schemaVersion=True), "schemaVersion")

    def test_missing_and_malformed_fields(self):
        document = request_document(MANIFEST, OUTPUT)
        del document["modelVersion"]
        self.refused(document, "modelVersion is required")
        self.refused(request_document(MANIFEST, OUTPUT, subjectId="../etc"), "subjectId")
        self.refused(request_document(MANIFEST, OUTPUT, imageSetId="is-XYZ"), "imageSetId")
        self.refused(request_document(MANIFEST, OUTPUT, baseModel=""), "baseModel")

    def test_uris(self):
        self.refused(request_document("https://x/manifest.json", OUTPUT), "manifestUri", "s3:// or file://")
        self.refused(request_document(MANIFEST, "s3://bucket/model.zip"), "outputUri", ".tar.gz")
        self.refused(request_document(MANIFEST, "s3://bucket-only.tar.gz"), "outputUri", "bucket and a key")

    def test_hyperparameter_errors_are_request_errors(self):
        error = self.refused(request_document(MANIFEST, OUTPUT, hyperparameters={"resolution": 100}), "resolution")
        self.assertEqual(error.status, 400)
        self.refused(request_document(MANIFEST, OUTPUT, hyperparameters="fast"), "hyperparameters must be an object")


class TrainingResponseTest(unittest.TestCase):
    def response(self):
        request = parse_training_request(request_document(MANIFEST, OUTPUT))
        return TrainingResponse(
            subject_id="ana",
            image_set_id="is-0123456789abcdef",
            model_version="v-0123456789ab",
            adapter_package_uri=OUTPUT,
            adapter_bytes=68_000_000,
            base_model=request.base_model,
            hyperparameters=request.config.to_hyperparameters(),
            timings={"downloadSeconds": 1.2, "classImagesSeconds": 60.0, "trainingSeconds": 1400.0,
                     "packagingSeconds": 3.1},
        )

    def test_json_shape(self):
        document = self.response().to_json()
        self.assertEqual(
            sorted(document),
            sorted(["schemaVersion", "subjectId", "imageSetId", "modelVersion", "adapterPackageUri", "adapterBytes",
                    "baseModel", "hyperparameters", "timings"]),
        )
        self.assertEqual(document["schemaVersion"], 1)
        self.assertEqual(list(document["timings"]), list(TIMING_KEYS))
        self.assertEqual(document["hyperparameters"]["maxTrainSteps"], 500)
        self.assertEqual(len(document["hyperparameters"]), 11)
        json.dumps(document)

    def test_round_trip(self):
        response = self.response()
        self.assertEqual(parse_training_response(json.dumps(response.to_json())), response)

    def test_invalid_response(self):
        document = self.response().to_json()
        document["adapterBytes"] = 0
        with self.assertRaises(InvalidResponseError):
            parse_training_response(document)
        document = self.response().to_json()
        del document["timings"]["trainingSeconds"]
        with self.assertRaisesRegex(InvalidResponseError, "timings.trainingSeconds"):
            parse_training_response(document)


if __name__ == "__main__":
    unittest.main()
