import json
import tarfile
import tempfile
import unittest
from pathlib import Path

from avatar_training.errors import (
    InvalidManifestError,
    InvalidTrainingRequestError,
    ObjectNotFoundError,
    TrainingFailedError,
)
from avatar_training.packaging import check_layout, list_package, triton_model_name
from avatar_training.request import parse_training_request, parse_training_response
from avatar_training.trainer import Trainer

from .support import IMAGE_SET, MODEL_VERSION, SET_PREFIX, SUBJECT, request_document, write_bucket

BASE = "stabilityai/stable-diffusion-2-1-base"


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        self.now += 1.5
        return self.now


class TrainerTest(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.tmp = Path(tmp.name)
        self.bucket = self.tmp / "bucket"
        self.manifest_uri = write_bucket(self.bucket, 3)
        self.output = self.bucket / "adapters" / SUBJECT / MODEL_VERSION / "model.tar.gz"
        self.train_jobs = []
        self.class_jobs = []

    def fake_train(self, job, log):
        self.train_jobs.append(job)
        (job.output_dir / "pytorch_lora_weights.safetensors").write_bytes(b"fake weights")

    def fake_class_images(self, job, log):
        self.class_jobs.append(job)
        paths = []
        for i in range(job.count):
            path = job.out_dir / f"{i:04d}.png"
            path.write_bytes(b"png")
            paths.append(path)
        return paths

    def trainer(self, **overrides):
        arguments = dict(
            base_model=BASE,
            base_model_dir=self.tmp / "base",
            train=self.fake_train,
            class_images=self.fake_class_images,
            work_root=self.tmp / "work",
            class_images_cache=self.tmp / "class-cache",
            clock=Clock(),
            log=lambda message: None,
        )
        arguments.update(overrides)
        return Trainer(**arguments)

    def request(self, **overrides):
        return parse_training_request(request_document(self.manifest_uri, self.output.as_uri(), **overrides))

    def test_trains_packages_uploads_and_answers(self):
        response = self.trainer()(self.request(hyperparameters={"numClassImages": 4, "maxTrainSteps": 300}))

        job = self.train_jobs[0]
        self.assertEqual(len(job.instance_images), 3)
        self.assertEqual(job.instance_prompt, "a photo of zwx woman")
        self.assertEqual(job.class_prompt, "a photo of woman")
        self.assertEqual(len(job.class_images), 4)
        self.assertEqual(job.config.max_train_steps, 300)
        self.assertEqual(self.class_jobs[0].class_prompt, "a photo of woman")
        self.assertEqual(self.class_jobs[0].count, 4)

        self.assertTrue(self.output.is_file())
        document = response.to_json()
        self.assertEqual(document["adapterPackageUri"], self.output.as_uri())
        self.assertEqual(document["adapterBytes"], self.output.stat().st_size)
        self.assertEqual((document["subjectId"], document["imageSetId"], document["modelVersion"]),
                         (SUBJECT, IMAGE_SET, MODEL_VERSION))
        self.assertEqual(document["hyperparameters"]["maxTrainSteps"], 300)
        self.assertEqual(document["hyperparameters"]["loraRank"], 128)
        self.assertEqual(document["timings"], {"downloadSeconds": 1.5, "classImagesSeconds": 1.5,
                                               "trainingSeconds": 1.5, "packagingSeconds": 1.5})
        parse_training_response(json.dumps(document))

        name = triton_model_name(SUBJECT, MODEL_VERSION)
        entries = list_package(self.output)
        self.assertEqual(check_layout(entries, name), [])
        with tarfile.open(self.output) as tar:
            weights = tar.extractfile(f"{name}/1/adapter/pytorch_lora_weights.safetensors").read()
            metadata = json.loads(tar.extractfile(f"{name}/1/avatar-model.json").read())
        self.assertEqual(weights, b"fake weights")
        self.assertEqual(metadata["hyperparameters"]["maxTrainSteps"], 300)
        self.assertEqual(metadata["instancePrompt"], "a photo of zwx woman")
        self.assertEqual(list((self.tmp / "work").iterdir()), [], "the work folder is removed")

    def test_class_images_are_cached_between_trainings(self):
        trainer = self.trainer()
        trainer(self.request(hyperparameters={"numClassImages": 2}))
        trainer(self.request(hyperparameters={"numClassImages": 2}))
        self.assertEqual(len(self.class_jobs), 1)
        self.assertEqual(len(self.train_jobs[1].class_images), 2)

    def test_no_class_images_without_prior_preservation(self):
        self.trainer()(self.request(hyperparameters={"priorPreservation": False}))
        self.assertEqual(self.class_jobs, [])
        self.assertEqual(self.train_jobs[0].class_images, [])

    def test_a_different_base_model_is_refused(self):
        with self.assertRaisesRegex(InvalidTrainingRequestError, "same base model"):
            self.trainer()(self.request(baseModel="stabilityai/stable-diffusion-2-1"))

    def test_manifest_of_another_subject_is_refused(self):
        with self.assertRaisesRegex(InvalidManifestError, "the request for bob"):
            self.trainer()(self.request(subjectId="bob"))

    def test_missing_image_is_not_found(self):
        (self.bucket / SET_PREFIX / "images" / "02.jpg").unlink()
        with self.assertRaises(ObjectNotFoundError):
            self.trainer()(self.request())

    def test_training_exceptions_become_training_failures(self):
        def crash(job, log):
            raise RuntimeError("CUDA error: device-side assert")

        with self.assertRaisesRegex(TrainingFailedError, "device-side assert") as caught:
            self.trainer(train=crash)(self.request())
        self.assertEqual(caught.exception.status, 500)
        self.assertFalse(self.output.exists())

    def test_training_that_saves_nothing_fails(self):
        with self.assertRaisesRegex(TrainingFailedError, "without saving"):
            self.trainer(train=lambda job, log: None)(self.request())


if __name__ == "__main__":
    unittest.main()
