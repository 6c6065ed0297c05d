"""The local multi-model host runs the backend's model.py, as Triton runs a Python-based backend: the one in the
backends folder that config.pbtxt names, never code from a package, and it refuses a package that carries code or
names another backend before unpacking it. Standard library only: the backend here is a stand-in model.py."""

import importlib.util
import io
import json
import shutil
import sys
import tarfile
import tempfile
import unittest
from pathlib import Path

SERVING = Path(__file__).resolve().parents[1]
HOST_FILE = SERVING / "local_mme" / "host.py"
TARGET = "default/ana/v-0123456789ab.tar.gz"

# Records what the host gave it; a real model.py would load the base model and the adapter here.
STAND_IN_BACKEND = '''
class TritonPythonModel:
    def initialize(self, args):
        self.args = args
        self.source = __file__

    def execute(self, requests):
        return []

    def finalize(self):
        pass
'''


def load_host():
    spec = importlib.util.spec_from_file_location("avatar_local_mme_host_under_test", HOST_FILE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


host_module = load_host()  # puts sagemaker/training/src on sys.path, as the host does when it runs
from avatar_training.packaging import build_model_package, triton_model_name  # noqa: E402


def with_entry(archive: bytes, name: str, body: bytes) -> bytes:
    """The package with one more file (or one file replaced)."""
    out = io.BytesIO()
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as source, tarfile.open(
        fileobj=out, mode="w:gz", format=tarfile.PAX_FORMAT
    ) as tar:
        for member in source.getmembers():
            if member.name == name:
                continue
            tar.addfile(member, source.extractfile(member) if member.isfile() else None)
        info = tarfile.TarInfo(name)
        info.size = len(body)
        tar.addfile(info, io.BytesIO(body))
    return out.getvalue()


class LocalHostBackendTest(unittest.TestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="local-mme-test-"))
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.backends = self.tmp / "backends"
        for backend in ("avatar_lora", "python"):
            (self.backends / backend).mkdir(parents=True)
            (self.backends / backend / "model.py").write_text(STAND_IN_BACKEND)
        adapter = self.tmp / "adapter"
        adapter.mkdir()
        (adapter / "pytorch_lora_weights.safetensors").write_bytes(b"weights")
        self.models = self.tmp / "models"
        self.work = self.tmp / "work"
        self.work.mkdir()
        info = build_model_package(
            adapter_dir=adapter,
            out_path=self.models / TARGET,
            subject_id="ana",
            model_version="v-0123456789ab",
            image_set_id="is-0123456789abcdef",
            base_model="stabilityai/stable-diffusion-2-1-base",
            hyperparameters={},
            instance_prompt="a photo of zwx woman",
        )
        self.name = triton_model_name("ana", "v-0123456789ab")
        self.package = info.path.read_bytes()
        self.logged = []
        self.host = host_module.ModelHost(self.models, self.work, self.logged.append, self.backends)

    def test_runs_the_model_py_of_the_backend_config_pbtxt_names_with_the_package_as_its_model_folder(self):
        # Act
        loaded = self.host._load(TARGET)

        # Assess
        self.assertEqual(Path(loaded.model.source), self.backends / "avatar_lora" / "model.py")
        repository = Path(loaded.model.args["model_repository"])
        self.assertEqual(repository.name, self.name)
        self.assertTrue((repository / "1" / "adapter" / "pytorch_lora_weights.safetensors").is_file())
        self.assertFalse(list(repository.rglob("*.py")), "the package brought no code")
        self.assertEqual(json.loads(loaded.model.args["model_config"])["backend"], "avatar_lora")
        self.assertIn('"backend": "' + str(self.backends / "avatar_lora" / "model.py"), self.logged[-1])

    def test_refuses_a_package_that_carries_model_py_and_never_runs_it(self):
        # Prepare
        marker = self.tmp / "package-code-ran"
        code = f"open({str(marker)!r}, 'w').close()\n".encode()
        (self.models / TARGET).write_bytes(with_entry(self.package, f"{self.name}/1/model.py", code))

        # Act
        status, body = self.host.invoke(TARGET, b"{}")

        # Assess
        self.assertEqual((status, body["errorType"]), (500, "ModelLoadError"))
        self.assertIn(f"carries code: {self.name}/1/model.py", body["error"])
        self.assertFalse(marker.exists(), "the package's model.py ran")
        self.assertEqual(list(self.work.iterdir()), [], "a refused package is not unpacked")

    def test_refuses_a_package_that_names_another_backend_even_one_the_host_has(self):
        # Prepare
        config = f"{self.name}/config.pbtxt"
        with tarfile.open(fileobj=io.BytesIO(self.package), mode="r:gz") as tar:
            text = tar.extractfile(config).read().decode()
        other = text.replace('backend: "avatar_lora"', 'backend: "python"')
        (self.models / TARGET).write_bytes(with_entry(self.package, config, other.encode()))

        # Act
        status, body = self.host.invoke(TARGET, b"{}")

        # Assess
        self.assertEqual((status, body["errorType"]), (500, "ModelLoadError"))
        self.assertIn("names the backend 'python', not 'avatar_lora'", body["error"])
        self.assertEqual(list(self.work.iterdir()), [])

    def test_the_default_backends_folder_is_the_repository_one_the_serving_image_copies(self):
        # Act
        model_file = host_module.backend_model_file(host_module.DEFAULT_BACKENDS_DIR, "avatar_lora")

        # Assess
        self.assertEqual(model_file, SERVING / "backends" / "avatar_lora" / "model.py")
        with self.assertRaisesRegex(ValueError, "no backend 'missing'"):
            host_module.backend_model_file(host_module.DEFAULT_BACKENDS_DIR, "missing")
        with self.assertRaisesRegex(ValueError, "is not a backend name"):
            host_module.backend_model_file(host_module.DEFAULT_BACKENDS_DIR, "../python")


if __name__ == "__main__":
    unittest.main()
