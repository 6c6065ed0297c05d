"""The training host as a process, over HTTP, training the tiny model for real on CPU."""

import json
import math
import shutil
import unittest

from avatar_training.packaging import check_layout, check_package, list_package, triton_model_name

from .support import (
    CLASS_IMAGES,
    INSTANCE_PROMPT,
    MODEL_VERSION,
    SUBJECT,
    TRAIN_STEPS,
    HostProcess,
    request_document,
    scratch,
    tiny_base_model,
    trained,
    training_host,
    write_bucket,
)


def adapter_tensors(package):
    """{key: tensor} of the package's pytorch_lora_weights.safetensors."""
    import tarfile

    from safetensors.torch import load

    with tarfile.open(package, "r:gz") as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("/1/adapter/pytorch_lora_weights.safetensors"))
        return load(tar.extractfile(member).read())


class TrainingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.training = trained()

    def test_answers_the_documented_response(self):
        self.assertEqual(self.training.status, 200, self.training.response)
        response = self.training.response
        self.assertEqual(
            {k: response[k] for k in ("schemaVersion", "subjectId", "modelVersion", "adapterPackageUri")},
            {"schemaVersion": 1, "subjectId": SUBJECT, "modelVersion": MODEL_VERSION,
             "adapterPackageUri": self.training.package.as_uri()},
        )
        self.assertEqual(response["adapterBytes"], self.training.package.stat().st_size)
        self.assertEqual(response["hyperparameters"]["maxTrainSteps"], TRAIN_STEPS)
        self.assertEqual(response["hyperparameters"]["numClassImages"], CLASS_IMAGES)
        self.assertGreater(response["timings"]["classImagesSeconds"], 0)
        self.assertGreater(response["timings"]["trainingSeconds"], 0)

    def test_logs_a_finite_loss_at_the_last_step(self):
        losses = self.training.host.losses()
        self.assertTrue(losses, "no loss was logged")
        self.assertTrue(all(math.isfinite(loss) and loss > 0 for loss in losses), losses)
        self.assertTrue(any(f"step {TRAIN_STEPS}/{TRAIN_STEPS} loss" in line for line in self.training.host.lines))

    def test_generated_the_class_images_for_prior_preservation(self):
        self.assertTrue(any(f"generated {CLASS_IMAGES} class images" in line for line in self.training.host.lines))

    def test_the_package_matches_the_layout_and_names_the_model(self):
        entries = list_package(self.training.package)
        name = triton_model_name(SUBJECT, MODEL_VERSION)
        self.assertEqual(check_layout(entries, name), [])
        self.assertEqual(check_package(self.training.package), (name, []))
        self.assertEqual([e for e in entries if e.endswith(".py")], [], "a package carries no code")
        self.assertIn(f"{name}/1/adapter/pytorch_lora_weights.safetensors", entries)

    def test_the_adapter_holds_non_zero_lora_weights_for_unet_and_text_encoder(self):
        tensors = adapter_tensors(self.training.package)
        unet = [k for k in tensors if k.startswith("unet.")]
        text = [k for k in tensors if k.startswith("text_encoder.")]
        self.assertTrue(unet and text, sorted(tensors)[:5])
        # LoRA on the UNet attention projections (to_q/k/v/out) and the text encoder's (q/k/v/out_proj).
        for module in ("to_q", "to_k", "to_v", "to_out.0"):
            self.assertTrue(any(f".{module}.lora" in k for k in unet), module)
        for module in ("q_proj", "k_proj", "v_proj", "out_proj"):
            self.assertTrue(any(f".{module}.lora" in k for k in text), module)
        for key, tensor in tensors.items():
            # diffusers' names: "<module>.lora.up|down.weight" (UNet), ".lora_linear_layer.up|down" (text encoder)
            self.assertRegex(key, r"\.(lora|lora_linear_layer)\.(up|down)\.weight$")
            self.assertGreater(float(tensor.abs().sum()), 0.0, key)
        # lora.up (peft's lora_B) starts at zero: non-zero means the optimizer moved it.
        self.assertTrue(any(".up.weight" in k for k in unet) and any(".up.weight" in k for k in text))

    def test_avatar_model_json_records_what_was_trained(self):
        import tarfile

        with tarfile.open(self.training.package, "r:gz") as tar:
            member = next(m for m in tar.getmembers() if m.name.endswith("/1/avatar-model.json"))
            metadata = json.loads(tar.extractfile(member).read())
        self.assertEqual(metadata["instancePrompt"], INSTANCE_PROMPT)
        self.assertEqual(metadata["baseModel"], str(tiny_base_model()))
        self.assertEqual(metadata["hyperparameters"]["resolution"], 64)


class ErrorAnswersTest(unittest.TestCase):
    """Failures answer their documented status, never 200."""

    @classmethod
    def setUpClass(cls):
        cls.host = training_host()

    def test_a_bad_request_is_a_400_naming_the_field(self):
        bucket = scratch("bad-request")
        manifest = write_bucket(bucket)
        document = request_document(manifest, (bucket / "out.tar.gz").as_uri(), self.host.base_model, loraRank=0)
        status, body = self.host.invoke(document)
        self.assertEqual(status, 400, body)
        self.assertIn("hyperparameters.loraRank = 0", body["error"])
        self.assertEqual((body["errorType"], body["retryable"]), ("InvalidTrainingRequestError", False))

    def test_unusable_data_is_a_422_naming_the_missing_image(self):
        bucket = scratch("bad-data")
        manifest = write_bucket(bucket, count=3, missing=1)
        status, body = self.host.invoke(
            request_document(manifest, (bucket / "out.tar.gz").as_uri(), self.host.base_model)
        )
        self.assertEqual(status, 422, body)
        self.assertRegex(body["error"], r"images/03\.jpg does not exist")
        self.assertFalse(body["retryable"])
        self.assertFalse((bucket / "out.tar.gz").exists())


class InducedTrainingFailureTest(unittest.TestCase):
    """A base model whose UNet outputs NaN: the loss is NaN at the first step, answered 500, not retryable."""

    def test_a_nan_loss_is_a_500_that_says_what_to_change(self):
        import torch
        from safetensors.torch import load_file, save_file

        broken = scratch("nan-model") / "base"
        shutil.copytree(tiny_base_model(), broken)
        weights = broken / "unet" / "diffusion_pytorch_model.safetensors"
        tensors = load_file(weights)
        tensors["conv_out.weight"] = torch.full_like(tensors["conv_out.weight"], float("nan"))
        save_file(tensors, weights)
        host = HostProcess(broken, "nan-host").wait_ready()
        try:
            bucket = scratch("nan-bucket")
            manifest = write_bucket(bucket)
            output = bucket / "out.tar.gz"
            status, body = host.invoke(
                request_document(manifest, output.as_uri(), host.base_model, priorPreservation=False, maxTrainSteps=2)
            )
        finally:
            host.stop()
        self.assertEqual(status, 500, body)
        self.assertRegex(body["error"], r"loss became nan at step 1; lower learningRate")
        self.assertEqual((body["errorType"], body["retryable"]), ("TrainingFailedError", False))
        self.assertFalse(output.exists())


if __name__ == "__main__":
    unittest.main()
