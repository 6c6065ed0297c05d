"""The Triton model: the package's config.pbtxt template declares the documented inputs/outputs and names the
avatar_lora backend; the serving image bakes that backend's model.py into Triton's backends folder, and the training
image and the template carry no serving code; model.py's helpers work with a stub triton_python_backend_utils (the
real module exists only inside Triton; torch and diffusers are not needed)."""

import base64
import importlib.util
import json
import re
import sys
import types
import unittest
from pathlib import Path

SERVING = Path(__file__).resolve().parents[1]
SAGEMAKER = SERVING.parent
TEMPLATE = SERVING / "model_template"
BACKENDS = SERVING / "backends"
BACKEND_NAME = "avatar_lora"
BACKEND_MODEL = BACKENDS / BACKEND_NAME / "model.py"
# Where Triton looks for a Python-based backend's code in the serving image.
TRITON_BACKENDS = "/opt/tritonserver/backends"


def dockerfile_copies(path: Path) -> list[tuple[str, str]]:
    """(source, destination) of every COPY instruction of a Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n", " ", path.read_text())
    copies = []
    for line in text.splitlines():
        match = re.match(r"^\s*COPY\s+(?:--\S+\s+)*(\S+)\s+(\S+)\s*$", line)
        if match:
            copies.append((match.group(1), match.group(2)))
    return copies


def configured_backend(config: str) -> str:
    return re.search(r'(?m)^backend:\s*"([^"]+)"', config).group(1)


def parse_tensors(config: str, section: str) -> dict[str, dict[str, str]]:
    block = re.search(section + r"\s*\[(.*?)\n\]", config, re.S).group(1)
    tensors = {}
    for body in re.findall(r"\{(.*?)\}", block, re.S):
        fields = dict(re.findall(r"^\s*(\w+):\s*(.+?)\s*$", body, re.M))
        tensors[fields["name"].strip('"')] = fields
    return tensors


class ConfigTemplateTest(unittest.TestCase):
    def setUp(self):
        self.config = (TEMPLATE / "config.pbtxt").read_text()

    def test_our_backend_without_batching(self):
        # Prepare
        layout = json.loads((SAGEMAKER / "model-package-layout.json").read_text())

        # Act
        backend = configured_backend(self.config)

        # Assess
        self.assertIn('name: "__MODEL_NAME__"', self.config)
        self.assertEqual(backend, BACKEND_NAME)
        self.assertEqual(layout["backend"], BACKEND_NAME)
        self.assertNotIn('backend: "python"', self.config)
        self.assertRegex(self.config, r"max_batch_size:\s*0\b")
        self.assertRegex(self.config, r"instance_group\s*\[\s*\{\s*count:\s*1\s*kind:\s*KIND_GPU\s*\}\s*\]")

    def test_inputs(self):
        inputs = parse_tensors(self.config, "input")
        expected = {
            "prompt": "TYPE_STRING",
            "negative_prompt": "TYPE_STRING",
            "seed": "TYPE_INT64",
            "num_inference_steps": "TYPE_INT32",
            "guidance_scale": "TYPE_FP32",
            "height": "TYPE_INT32",
            "width": "TYPE_INT32",
        }
        self.assertEqual({name: t["data_type"] for name, t in inputs.items()}, expected)
        for name, tensor in inputs.items():
            self.assertEqual(tensor["dims"], "[ 1 ]", name)
        self.assertNotIn("optional", inputs["prompt"])

    def test_output(self):
        outputs = parse_tensors(self.config, "output")
        self.assertEqual(list(outputs), ["image"])
        self.assertEqual(outputs["image"]["data_type"], "TYPE_STRING")
        self.assertEqual(outputs["image"]["dims"], "[ 1 ]")


class ServingImageTest(unittest.TestCase):
    """The code is in the serving image, in the backends folder config.pbtxt names, and nowhere a package comes from."""

    def test_the_dockerfile_puts_model_py_in_the_backends_folder_config_pbtxt_names(self):
        # Prepare
        backend = configured_backend((TEMPLATE / "config.pbtxt").read_text())

        # Act
        copies = dockerfile_copies(SERVING / "Dockerfile")

        # Assess
        self.assertIn(
            (f"serving/backends/{backend}/model.py", f"{TRITON_BACKENDS}/{backend}/model.py"), copies
        )
        self.assertTrue((SAGEMAKER / "serving" / "backends" / backend / "model.py").is_file())
        into_backends = [c for c in copies if c[1].startswith(TRITON_BACKENDS)]
        self.assertEqual(len(into_backends), 1, "only our backend is added to Triton's backends folder")
        # The Python backend's stub and libraries, which a Python-based backend runs on, must be in the image.
        dockerfile = (SERVING / "Dockerfile").read_text()
        self.assertIn(f"test -f {TRITON_BACKENDS}/python/libtriton_python.so", dockerfile)

    def test_the_package_template_and_the_training_image_carry_no_serving_code(self):
        # Act
        template_files = sorted(p.name for p in TEMPLATE.iterdir() if p.is_file())
        training_copies = dockerfile_copies(SAGEMAKER / "training" / "Dockerfile")

        # Assess
        self.assertEqual(template_files, ["config.pbtxt"])
        sources = [source for source, _ in training_copies]
        self.assertIn("serving/model_template/config.pbtxt", sources)
        serving_code = [s for s in sources if s.startswith("serving/") and s != "serving/model_template/config.pbtxt"]
        self.assertEqual(serving_code, [])
        self.assertIn("model-package-layout.json", sources)


class StubTensor:
    def __init__(self, value):
        self.value = value

    def as_numpy(self):
        return self.value


def stub_backend() -> types.ModuleType:
    module = types.ModuleType("triton_python_backend_utils")
    module.get_input_tensor_by_name = lambda request, name: (
        StubTensor(request[name]) if name in request else None
    )
    module.TritonError = lambda message: ("error", message)
    module.InferenceResponse = lambda output_tensors=None, error=None: {"outputs": output_tensors, "error": error}
    module.Tensor = lambda name, value: (name, value)
    return module


def load_model_module(backend):
    previous = sys.modules.get("triton_python_backend_utils")
    sys.modules["triton_python_backend_utils"] = backend
    try:
        spec = importlib.util.spec_from_file_location("avatar_triton_model_under_test", BACKEND_MODEL)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        if previous is None:
            del sys.modules["triton_python_backend_utils"]
        else:
            sys.modules["triton_python_backend_utils"] = previous


class ModelHelpersTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.backend = stub_backend()
        cls.model = load_model_module(cls.backend)

    def test_the_module_uses_the_backend_and_defines_the_triton_class(self):
        self.assertIs(self.model.pb_utils, self.backend)
        for method in ("initialize", "execute", "finalize"):
            self.assertTrue(callable(getattr(self.model.TritonPythonModel, method)))

    def test_decodes_all_inputs(self):
        request = {
            "prompt": [b"a photo of zwx woman as an astronaut"],
            "negative_prompt": [b"blurry"],
            "seed": [[1234]],
            "num_inference_steps": [25],
            "guidance_scale": [6.5],
            "height": [512],
            "width": [768],
        }
        inputs = self.model.decode_inputs(request)
        self.assertEqual(
            inputs,
            self.model.GenerationInputs("a photo of zwx woman as an astronaut", "blurry", 1234, 25, 6.5, 512, 768),
        )

    def test_optional_inputs_default(self):
        inputs = self.model.decode_inputs({"prompt": ["  a portrait  "]})
        self.assertEqual(inputs.prompt, "a portrait")
        self.assertEqual(inputs.negative_prompt, "")
        self.assertIsNone(inputs.seed)
        self.assertEqual(inputs.num_inference_steps, self.model.DEFAULT_STEPS)
        self.assertEqual(inputs.guidance_scale, self.model.DEFAULT_GUIDANCE)
        self.assertEqual((inputs.height, inputs.width), (None, None))

    def test_invalid_inputs(self):
        error = self.model.InvalidInputError
        for request, fragment in [
            ({}, "prompt is required"),
            ({"prompt": [b"   "]}, "prompt is empty"),
            ({"prompt": [b"\xff"]}, "UTF-8"),
            ({"prompt": [b"x"], "num_inference_steps": [0]}, "num_inference_steps"),
            ({"prompt": [b"x"], "guidance_scale": [50.0]}, "guidance_scale"),
            ({"prompt": [b"x"], "seed": [-1]}, "seed"),
            ({"prompt": [b"x" * 2000]}, "more than"),
            ({"prompt": []}, "empty input tensor"),
            ({"prompt": [b"x"], "height": [500]}, "height 500 must be from 64 to 1024, a multiple of 8"),
            ({"prompt": [b"x"], "width": [2048]}, "width 2048"),
        ]:
            with self.subTest(fragment=fragment), self.assertRaisesRegex(error, fragment):
                self.model.decode_inputs(request)

    @unittest.skipUnless(importlib.util.find_spec("numpy"), "numpy not installed")
    def test_decodes_numpy_tensors_as_triton_gives_them(self):
        import numpy as np

        request = {
            "prompt": np.array([b"hello"], dtype=np.object_),
            "seed": np.array([7], dtype=np.int64),
            "num_inference_steps": np.array([20], dtype=np.int32),
            "guidance_scale": np.array([5.0], dtype=np.float32),
        }
        inputs = self.model.decode_inputs(request)
        self.assertEqual((inputs.prompt, inputs.seed, inputs.num_inference_steps, inputs.guidance_scale),
                         ("hello", 7, 20, 5.0))
        self.assertIsInstance(inputs.seed, int)

    def test_png_base64(self):
        class FakeImage:
            def save(self, fileobj, format):
                assert format == "PNG"
                fileobj.write(b"\x89PNG\r\n\x1a\nrest")

        encoded = self.model.encode_png_base64(FakeImage())
        self.assertEqual(base64.b64decode(encoded)[:4], b"\x89PNG")

    def test_model_paths(self):
        version, adapter, metadata = self.model.model_paths({"model_repository": "/opt/ml/models/x/model/m",
                                                             "model_version": "1"})
        self.assertEqual(adapter, Path("/opt/ml/models/x/model/m/1/adapter"))
        self.assertEqual(metadata, Path("/opt/ml/models/x/model/m/1/avatar-model.json"))


if __name__ == "__main__":
    unittest.main()
