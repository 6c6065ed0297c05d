"""The Triton model for real: the avatar_lora backend's model.py (sagemaker/serving/backends/, baked into the serving
image), named by the config.pbtxt of the package the training host just wrote, runs initialize() on that package,
which loads the tiny base model and the trained adapter, and execute() returns a PNG of the requested size. Only
triton_python_backend_utils is faked (sagemaker/serving/local_mme/triton_python_backend_utils.py). Then the same
package behind the local multi-model host, over HTTP."""

import base64
import importlib.util
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import threading
import unittest
import urllib.error
import urllib.request

from .support import SAGEMAKER, SUBJECT, MODEL_VERSION, scratch, tiny_base_model, trained

LOCAL_MME = SAGEMAKER / "serving" / "local_mme"
BACKENDS = SAGEMAKER / "serving" / "backends"


def backend():
    if str(LOCAL_MME) not in sys.path:
        sys.path.insert(0, str(LOCAL_MME))
    import triton_python_backend_utils

    return triton_python_backend_utils


def with_model_py(package) -> bytes:
    """The package with a model.py of its own, as packages were before the backend moved into the image."""
    out = io.BytesIO()
    with tarfile.open(package, "r:gz") as source, tarfile.open(fileobj=out, mode="w:gz",
                                                                format=tarfile.PAX_FORMAT) as tar:
        members = source.getmembers()
        for member in members:
            tar.addfile(member, source.extractfile(member) if member.isfile() else None)
        code = b"raise SystemExit('package code ran')\n"
        info = tarfile.TarInfo(members[0].name.split("/")[0] + "/1/model.py")
        info.size = len(code)
        tar.addfile(info, io.BytesIO(code))
    return out.getvalue()


def png_size(data: bytes) -> tuple[int, int]:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return image.size


class TritonModelTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        training = trained()
        assert training.status == 200, training.response
        cls.pb = backend()
        repository = scratch("triton-repository")
        with tarfile.open(training.package, "r:gz") as tar:
            tar.extractall(repository, filter="data")
        (cls.model_dir,) = [p for p in repository.iterdir() if p.is_dir()]
        assert not list(cls.model_dir.rglob("*.py")), "the package carries code"
        # As Triton does for a Python-based backend: <backends>/<the backend config.pbtxt names>/model.py.
        cls.backend = re.search(r'(?m)^backend:\s*"([^"]+)"', (cls.model_dir / "config.pbtxt").read_text()).group(1)
        spec = importlib.util.spec_from_file_location("avatar_lora_backend", BACKENDS / cls.backend / "model.py")
        module = importlib.util.module_from_spec(spec)
        previous = os.environ.get("BASE_MODEL_DIR")
        os.environ["BASE_MODEL_DIR"] = str(tiny_base_model())
        try:
            spec.loader.exec_module(module)
            cls.model = module.TritonPythonModel()
            cls.model.initialize({"model_repository": str(cls.model_dir), "model_version": "1",
                                  "model_instance_device_id": "0", "model_name": cls.model_dir.name})
        finally:
            if previous is None:
                os.environ.pop("BASE_MODEL_DIR")
            else:
                os.environ["BASE_MODEL_DIR"] = previous
        cls.module = module

    def request(self, **inputs):
        import numpy as np

        dtypes = {"prompt": np.object_, "negative_prompt": np.object_, "seed": np.int64,
                  "num_inference_steps": np.int32, "guidance_scale": np.float32, "height": np.int32, "width": np.int32}
        tensors = [
            self.pb.Tensor(name, np.array([v.encode() if isinstance(v, str) else v], dtype=dtypes[name]))
            for name, v in inputs.items()
        ]
        return self.pb.InferenceRequest(tensors)

    def image(self, response) -> bytes:
        self.assertFalse(response.has_error(), response.error() and response.error().message())
        (encoded,) = self.pb.get_output_tensor_by_name(response, "image").as_numpy().tolist()
        return base64.b64decode(encoded)

    def test_runs_on_cpu_with_the_stand_in_backend_and_the_packaged_metadata(self):
        self.assertIs(self.module.pb_utils, self.pb)
        self.assertEqual(self.model.device, "cpu")
        self.assertEqual(self.model.metadata["subjectId"], SUBJECT)

    def test_generates_a_png_of_the_requested_size(self):
        (response,) = self.model.execute([self.request(prompt="a photo of zwx woman as an astronaut", seed=3,
                                                       num_inference_steps=4, height=64, width=96)])
        data = self.image(response)
        self.assertEqual(data[:8], b"\x89PNG\r\n\x1a\n")
        self.assertEqual(png_size(data), (96, 64))

    def test_without_a_size_the_image_has_the_base_models_own_size(self):
        (response,) = self.model.execute([self.request(prompt="a portrait", seed=1, num_inference_steps=2)])
        self.assertEqual(png_size(self.image(response)), (64, 64))

    def test_the_same_seed_gives_the_same_image_and_another_seed_another(self):
        ask = lambda seed: self.image(self.model.execute([self.request(prompt="a portrait", seed=seed,  # noqa: E731
                                                                        num_inference_steps=2)])[0])
        first, again, other = ask(5), ask(5), ask(6)
        self.assertEqual(first, again)
        self.assertNotEqual(first, other)

    def test_the_adapter_changes_the_image(self):
        """The trained adapter is really applied: the base pipeline alone draws a different image."""
        import torch
        from diffusers import DPMSolverMultistepScheduler, StableDiffusionPipeline

        base = StableDiffusionPipeline.from_pretrained(str(tiny_base_model()), safety_checker=None)
        base.scheduler = DPMSolverMultistepScheduler.from_config(base.scheduler.config)
        base.set_progress_bar_config(disable=True)
        arguments = dict(prompt="a portrait", num_inference_steps=2, guidance_scale=7.5, output_type="np")
        plain = base(**arguments, generator=torch.Generator("cpu").manual_seed(9)).images[0]
        tuned = self.model.pipe(**arguments, generator=torch.Generator("cpu").manual_seed(9)).images[0]
        self.assertGreater(float(abs(plain - tuned).max()), 0.0)

    def test_a_bad_input_fails_that_request_only_with_invalid_arg(self):
        good, bad = self.model.execute([
            self.request(prompt="a portrait", seed=1, num_inference_steps=2),
            self.request(prompt="a portrait", num_inference_steps=500),
        ])
        self.assertFalse(good.has_error())
        self.assertTrue(bad.has_error())
        self.assertEqual(bad.error().code(), self.pb.TritonError.INVALID_ARG)
        self.assertIn("num_inference_steps 500 must be from 1 to 100", bad.error().message())

    def test_a_failed_generation_is_an_internal_error(self):
        pipe = self.model.pipe
        self.model.pipe = lambda **kwargs: (_ for _ in ()).throw(RuntimeError("device lost"))
        try:
            (response,) = self.model.execute([self.request(prompt="a portrait", seed=1)])
        finally:
            self.model.pipe = pipe
        self.assertEqual(response.error().code(), self.pb.TritonError.INTERNAL)
        self.assertEqual(response.error().message(), "generation failed: RuntimeError: device lost")


class LocalMultiModelHostTest(unittest.TestCase):
    """sagemaker/serving/local_mme/host.py as a process: TargetModel -> the backend's model.py on that package -> PNG
    over HTTP."""

    @classmethod
    def setUpClass(cls):
        training = trained()
        assert training.status == 200, training.response
        cls.models = scratch("models")
        cls.target = f"default/{SUBJECT}/{MODEL_VERSION}.tar.gz"
        (cls.models / "default" / SUBJECT).mkdir(parents=True)
        (cls.models / cls.target).write_bytes(training.package.read_bytes())
        (cls.models / "default" / SUBJECT / "broken.tar.gz").write_bytes(b"not a package")
        (cls.models / "default" / SUBJECT / "with-code.tar.gz").write_bytes(with_model_py(training.package))
        env = {**os.environ, "BASE_MODEL": str(tiny_base_model()), "HF_HUB_OFFLINE": "1"}
        cls.process = subprocess.Popen(
            [sys.executable, str(LOCAL_MME / "host.py"), "--models-dir", str(cls.models), "--port", "0",
             "--work-dir", str(scratch("mme-work"))],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        cls.errors = []
        threading.Thread(target=lambda: cls.errors.extend(cls.process.stderr), daemon=True).start()
        line = cls.process.stdout.readline()
        match = re.search(r'"port": (\d+)', line)
        assert match, f"host did not start: {line!r} {''.join(cls.errors)}"
        cls.url = f"http://127.0.0.1:{match.group(1)}"

    @classmethod
    def tearDownClass(cls):
        cls.process.terminate()
        cls.process.wait(10)

    def invoke(self, target, document):
        body = document if isinstance(document, bytes) else json.dumps(document).encode()
        request = urllib.request.Request(self.url + "/invocations", data=body, method="POST",
                                         headers={"X-Amzn-SageMaker-Target-Model": target,
                                                  "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=300) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    @staticmethod
    def kserve(prompt="a photo of zwx woman", steps=3, **extra):
        inputs = [
            {"name": "prompt", "shape": [1], "datatype": "BYTES", "data": [prompt]},
            {"name": "negative_prompt", "shape": [1], "datatype": "BYTES", "data": ["blurry"]},
            {"name": "seed", "shape": [1], "datatype": "INT64", "data": [42]},
            {"name": "num_inference_steps", "shape": [1], "datatype": "INT32", "data": [steps]},
            {"name": "guidance_scale", "shape": [1], "datatype": "FP32", "data": [7.5]},
        ]
        return {"inputs": inputs + [{"name": k, "shape": [1], "datatype": "INT32", "data": [v]}
                                    for k, v in extra.items()]}

    def test_answers_a_kserve_request_with_a_png(self):
        status, body = self.invoke(self.target, self.kserve(height=64, width=64))
        self.assertEqual(status, 200, body)
        (output,) = body["outputs"]
        self.assertEqual((output["name"], output["datatype"], output["shape"]), ("image", "BYTES", [1]))
        self.assertEqual(png_size(base64.b64decode(output["data"][0])), (64, 64))
        self.assertTrue(body["model_name"].startswith(f"avatar_{SUBJECT}_"))

    def test_error_codes(self):
        cases = [
            (self.target, self.kserve(steps=0), 400, "InferenceError", "num_inference_steps 0"),
            (self.target, {"inputs": [{"name": "style", "shape": [1], "datatype": "BYTES", "data": ["x"]}]}, 400,
             "InvalidInput", "unexpected input 'style'"),
            (self.target, {"inputs": []}, 400, "InvalidInput", "missing required inputs ['prompt']"),
            (self.target, b"{", 400, "InvalidInput", "not JSON"),
            ("../etc/passwd", self.kserve(), 400, "ValidationError", "must be <tenantId>/<subjectId>/<modelVersion>.tar.gz"),
            (f"default/{SUBJECT}/v-missing.tar.gz", self.kserve(), 404, "ModelNotFound", "is not under"),
            (f"default/{SUBJECT}/broken.tar.gz", self.kserve(), 500, "ModelLoadError", "cannot be loaded"),
            (f"default/{SUBJECT}/with-code.tar.gz", self.kserve(), 500, "ModelLoadError", "/1/model.py (the code is"),
        ]
        for target, document, status, error_type, fragment in cases:
            with self.subTest(error_type=error_type, fragment=fragment):
                got, body = self.invoke(target, document)
                self.assertEqual((got, body.get("errorType")), (status, error_type), body)
                self.assertIn(fragment, body["error"])


if __name__ == "__main__":
    unittest.main()
