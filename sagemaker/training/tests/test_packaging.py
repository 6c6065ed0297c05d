import hashlib
import json
import re
import tarfile
import tempfile
import unittest
from pathlib import Path

from avatar_training.errors import PackagingError
from avatar_training.packaging import (
    DEFAULT_TEMPLATE_DIR,
    LAYOUT_FILE,
    build_model_package,
    check_layout,
    list_package,
    load_layout,
    render_config,
    target_model,
    triton_model_name,
)

HYPERPARAMETERS = {"resolution": 512, "maxTrainSteps": 1000}


class NamesTest(unittest.TestCase):
    def test_triton_model_name_rule(self):
        digest = hashlib.sha256(b"ana/v-0123456789ab").hexdigest()[:8]
        self.assertEqual(triton_model_name("ana", "v-0123456789ab"), f"avatar_ana_v-0123456789ab_{digest}")

    def test_names_are_triton_safe_deterministic_and_distinct(self):
        names = {triton_model_name(s, "v-1") for s in ["a.b", "a_b", "A.b", "x" * 64]}
        self.assertEqual(len(names), 4)
        for name in names:
            self.assertRegex(name, load_layout()["modelNamePattern"])
        self.assertEqual(triton_model_name("a.b", "v-1"), triton_model_name("a.b", "v-1"))

    def test_target_model(self):
        self.assertEqual(target_model("ana", "v-0123456789ab"), "default/ana/v-0123456789ab.tar.gz")
        self.assertEqual(target_model("ana", "v-0123456789ab", "acme"), "acme/ana/v-0123456789ab.tar.gz")


class PackageTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.adapter = Path(self.tmp.name) / "adapter"
        self.adapter.mkdir()
        (self.adapter / "pytorch_lora_weights.safetensors").write_bytes(b"weights" * 100)

    def build(self, out="model.tar.gz", adapter=None, **overrides):
        arguments = dict(
            adapter_dir=adapter or self.adapter,
            out_path=Path(self.tmp.name) / out,
            subject_id="ana",
            model_version="v-0123456789ab",
            image_set_id="is-0123456789abcdef",
            base_model="stabilityai/stable-diffusion-2-1-base",
            hyperparameters=HYPERPARAMETERS,
            instance_prompt="a photo of zwx woman",
            class_prompt="a photo of woman",
        )
        arguments.update(overrides)
        return build_model_package(**arguments)

    def test_layout(self):
        info = self.build()
        name = triton_model_name("ana", "v-0123456789ab")
        self.assertEqual(info.model_name, name)
        self.assertEqual(info.target_model, "default/ana/v-0123456789ab.tar.gz")
        entries = list_package(info.path)
        self.assertEqual(entries, info.entries)
        self.assertEqual(
            entries,
            [
                f"{name}/",
                f"{name}/1/",
                f"{name}/1/adapter/",
                f"{name}/1/adapter/pytorch_lora_weights.safetensors",
                f"{name}/1/avatar-model.json",
                f"{name}/1/model.py",
                f"{name}/config.pbtxt",
            ],
        )
        self.assertEqual(check_layout(entries, name), [])
        self.assertEqual(info.size, info.path.stat().st_size)

    def test_contents(self):
        info = self.build()
        name = info.model_name
        with tarfile.open(info.path, "r:gz") as tar:
            config = tar.extractfile(f"{name}/config.pbtxt").read().decode()
            model_py = tar.extractfile(f"{name}/1/model.py").read()
            metadata = json.loads(tar.extractfile(f"{name}/1/avatar-model.json").read())
            weights = tar.extractfile(f"{name}/1/adapter/pytorch_lora_weights.safetensors").read()
            members = tar.getmembers()
        self.assertIn(f'name: "{name}"', config)
        self.assertNotIn("__MODEL_NAME__", config)
        self.assertEqual(model_py, (DEFAULT_TEMPLATE_DIR / "model.py").read_bytes())
        self.assertEqual(weights, b"weights" * 100)
        self.assertEqual(metadata["subjectId"], "ana")
        self.assertEqual(metadata["modelVersion"], "v-0123456789ab")
        self.assertEqual(metadata["baseModel"], "stabilityai/stable-diffusion-2-1-base")
        self.assertEqual(metadata["hyperparameters"], HYPERPARAMETERS)
        self.assertEqual(metadata["instancePrompt"], "a photo of zwx woman")
        self.assertEqual(metadata["tritonModelName"], name)
        for member in members:
            self.assertEqual((member.mtime, member.uid, member.gid, member.uname, member.gname), (0, 0, 0, "", ""))

    def test_deterministic_bytes(self):
        first = self.build("a.tar.gz")
        other = Path(self.tmp.name) / "adapter2"
        other.mkdir()
        (other / "pytorch_lora_weights.safetensors").write_bytes(b"weights" * 100)
        second = self.build("b.tar.gz", adapter=other)
        self.assertEqual(first.path.read_bytes(), second.path.read_bytes())
        self.assertEqual(first.sha256, second.sha256)
        third = self.build("c.tar.gz", model_version="v-000000000001")
        self.assertNotEqual(first.sha256, third.sha256)

    def test_nested_adapter_files_are_kept(self):
        (self.adapter / "text_encoder").mkdir()
        (self.adapter / "text_encoder" / "adapter_config.json").write_text("{}")
        entries = self.build().entries
        self.assertIn(f"{triton_model_name('ana', 'v-0123456789ab')}/1/adapter/text_encoder/adapter_config.json", entries)

    def test_long_names_of_the_longest_subject_id(self):
        # A 64-character subject id (the longest valid one) puts entry names past the 100 bytes of a ustar name
        # field; the PAX format keeps them whole, and the archive stays deterministic.
        subject_id = "a" + "b" * 63
        (self.adapter / "text_encoder" / "deeper").mkdir(parents=True)
        (self.adapter / "text_encoder" / "deeper" / "adapter_config.json").write_text("{}")
        info = self.build("long.tar.gz", subject_id=subject_id)
        name = triton_model_name(subject_id, "v-0123456789ab")
        longest = f"{name}/1/adapter/text_encoder/deeper/adapter_config.json"
        self.assertGreater(len(longest.encode()), 100)
        entries = list_package(info.path)
        self.assertIn(longest, entries)
        self.assertEqual(check_layout(entries, name), [])
        with tarfile.open(info.path, "r:gz") as tar:
            self.assertEqual(tar.extractfile(longest).read(), b"{}")
            for member in tar.getmembers():
                self.assertEqual((member.mtime, member.uid, member.gid, member.uname), (0, 0, 0, ""))
        again = self.build("long-again.tar.gz", subject_id=subject_id)
        self.assertEqual(info.sha256, again.sha256)

    def test_refuses_an_empty_adapter(self):
        empty = Path(self.tmp.name) / "empty"
        empty.mkdir()
        with self.assertRaisesRegex(PackagingError, "no adapter weights"):
            self.build(adapter=empty)

    def test_refuses_a_missing_template(self):
        with self.assertRaisesRegex(PackagingError, "template missing"):
            self.build(templates=Path(self.tmp.name) / "nowhere")


class LayoutTest(unittest.TestCase):
    def test_layout_file(self):
        layout = json.loads(LAYOUT_FILE.read_text())
        self.assertEqual(
            layout["requiredEntries"], ["<model>/config.pbtxt", "<model>/1/model.py", "<model>/1/avatar-model.json"]
        )
        self.assertEqual(layout["requiredDirectories"], ["<model>/1/adapter/"])
        re.compile(layout["modelNamePattern"])

    def test_check_layout_reports_problems(self):
        problems = check_layout(["m/", "m/config.pbtxt", "m/1/adapter/", "other/x"], "m")
        self.assertIn("missing m/1/model.py", problems)
        self.assertIn("missing m/1/avatar-model.json", problems)
        self.assertIn("folder m/1/adapter/ is empty", problems)
        self.assertTrue(any("outside m/" in p for p in problems))

    def test_render_config(self):
        self.assertEqual(render_config('name: "__MODEL_NAME__"', "x"), 'name: "x"')
        with self.assertRaises(PackagingError):
            render_config('name: "fixed"', "x")


if __name__ == "__main__":
    unittest.main()
