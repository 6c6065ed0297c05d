import hashlib
import io
import json
import os
import re
import tarfile
import tempfile
import unittest
from pathlib import Path
from unittest import mock

from avatar_training.errors import PackagingError
from avatar_training.packaging import (
    DEFAULT_TEMPLATE_DIR,
    LAYOUT_FILE,
    build_model_package,
    check_config,
    check_layout,
    check_package,
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
                f"{name}/config.pbtxt",
            ],
        )
        self.assertEqual(check_layout(entries, name), [])
        self.assertEqual(check_package(info.path), (name, []))
        self.assertFalse([e for e in entries if e.endswith(".py")], "a package carries no code")
        self.assertEqual(info.size, info.path.stat().st_size)

    def test_contents(self):
        info = self.build()
        name = info.model_name
        with tarfile.open(info.path, "r:gz") as tar:
            config = tar.extractfile(f"{name}/config.pbtxt").read().decode()
            metadata = json.loads(tar.extractfile(f"{name}/1/avatar-model.json").read())
            weights = tar.extractfile(f"{name}/1/adapter/pytorch_lora_weights.safetensors").read()
            members = tar.getmembers()
        self.assertIn(f'name: "{name}"', config)
        self.assertNotIn("__MODEL_NAME__", config)
        self.assertIn('backend: "avatar_lora"', config)
        self.assertEqual(config, render_config((DEFAULT_TEMPLATE_DIR / "config.pbtxt").read_text(), name))
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

    def test_refuses_to_package_code_found_in_the_adapter_folder(self):
        # Prepare
        (self.adapter / "sitecustomize.py").write_text("import os\n")

        # Act / Assess
        with self.assertRaisesRegex(PackagingError, r"carries code: avatar_ana_\S+/1/adapter/sitecustomize\.py "):
            self.build()
        self.assertFalse((Path(self.tmp.name) / "model.tar.gz").exists(), "nothing is written")

    def test_refuses_a_template_that_names_another_backend(self):
        # Prepare
        templates = Path(self.tmp.name) / "templates"
        templates.mkdir()
        config = (DEFAULT_TEMPLATE_DIR / "config.pbtxt").read_text().replace('"avatar_lora"', '"python"')
        (templates / "config.pbtxt").write_text(config)

        # Act / Assess
        with self.assertRaisesRegex(PackagingError, "names the backend 'python', not 'avatar_lora'"):
            self.build(templates=templates)

    def test_the_training_image_finds_the_layout_where_its_dockerfile_puts_it(self):
        # Prepare
        copied = Path(self.tmp.name) / "opt-avatar-model-package-layout.json"
        copied.write_text(LAYOUT_FILE.read_text())

        # Act
        with mock.patch.dict(os.environ, {"MODEL_PACKAGE_LAYOUT": str(copied)}):
            info = self.build()
        with mock.patch.dict(os.environ, {"MODEL_PACKAGE_LAYOUT": str(Path(self.tmp.name) / "nowhere.json")}):
            with self.assertRaisesRegex(PackagingError, "package layout missing"):
                self.build("again.tar.gz")

        # Assess
        self.assertEqual(check_package(info.path)[1], [])


def package_bytes(files: dict[str, bytes | None], links: dict[str, str] | None = None) -> bytes:
    """A .tar.gz with these entries (None: a folder) and symbolic links."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
        for name, body in files.items():
            info = tarfile.TarInfo(name.rstrip("/"))
            if body is None:
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            else:
                info.size = len(body)
                tar.addfile(info, io.BytesIO(body))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            tar.addfile(info)
    return buffer.getvalue()


def good_files(name: str = "m") -> dict[str, bytes | None]:
    config = render_config((DEFAULT_TEMPLATE_DIR / "config.pbtxt").read_text(), name)
    return {
        f"{name}/": None,
        f"{name}/config.pbtxt": config.encode(),
        f"{name}/1/": None,
        f"{name}/1/avatar-model.json": b"{}",
        f"{name}/1/adapter/": None,
        f"{name}/1/adapter/pytorch_lora_weights.safetensors": b"weights",
    }


class LayoutTest(unittest.TestCase):
    def test_layout_file(self):
        layout = json.loads(LAYOUT_FILE.read_text())
        self.assertEqual(layout["requiredEntries"], ["<model>/config.pbtxt", "<model>/1/avatar-model.json"])
        self.assertEqual(layout["requiredDirectories"], ["<model>/1/adapter/"])
        self.assertEqual(layout["backend"], "avatar_lora")
        self.assertIn(".py", layout["forbiddenSuffixes"])
        self.assertNotIn("<model>/1/model.py", layout["allowedEntries"])
        re.compile(layout["modelNamePattern"])

    def test_check_layout_reports_problems(self):
        problems = check_layout(["m/", "m/config.pbtxt", "m/1/adapter/", "other/x"], "m")
        self.assertIn("missing m/1/avatar-model.json", problems)
        self.assertIn("folder m/1/adapter/ is empty", problems)
        self.assertTrue(any("outside m/" in p for p in problems))

    def test_a_package_that_carries_code_is_refused_naming_the_entry(self):
        # Prepare
        for entry in ["m/1/model.py", "m/1/adapter/nested/MODULE.PY", "m/triton_python_backend_stub",
                      "m/1/adapter/lib.so", "m/1/env.tar.gz"]:
            with self.subTest(entry=entry):
                files = {**good_files(), entry: b"import os"}

                # Act
                name, problems = check_package(package_bytes(files))

                # Assess
                self.assertEqual(name, "m")
                self.assertTrue(any(p.startswith(f"carries code: {entry} ") for p in problems), problems)

    def test_only_the_entries_of_the_layout_and_weights_under_the_adapter_are_allowed(self):
        # Prepare
        cases = {
            "m/README.md": "unexpected entry m/README.md",
            "m/2/": "unexpected entry m/2/",
            "m/1/adapter/weights.bin": "unexpected adapter file m/1/adapter/weights.bin",
        }
        for entry, problem in cases.items():
            with self.subTest(entry=entry):
                files = {**good_files(), entry: None if entry.endswith("/") else b"x"}

                # Act
                _, problems = check_package(package_bytes(files))

                # Assess
                self.assertTrue(any(p.startswith(problem) for p in problems), problems)

    def test_links_and_unsafe_names_are_refused(self):
        # Prepare
        archive = package_bytes(
            {**good_files(), "m/1/adapter/../../escape.json": b"{}"},
            links={"m/1/adapter/config.json": "/etc/passwd"},
        )

        # Act
        _, problems = check_package(archive)

        # Assess
        self.assertIn("unsafe entry name 'm/1/adapter/../../escape.json'", problems)
        self.assertTrue(any(p.startswith("m/1/adapter/config.json is not a regular file") for p in problems), problems)

    def test_the_template_rendered_passes_the_config_check(self):
        # Act
        problems = check_config(render_config((DEFAULT_TEMPLATE_DIR / "config.pbtxt").read_text(), "m"), "m")

        # Assess
        self.assertEqual(problems, [])
        self.assertEqual(check_package(package_bytes(good_files())), ("m", []))

    def test_a_config_that_names_another_backend_or_sets_other_fields_is_refused(self):
        # Prepare
        config = render_config((DEFAULT_TEMPLATE_DIR / "config.pbtxt").read_text(), "m")
        cases = {
            "the Python backend (model.py from the package)": (
                config.replace('backend: "avatar_lora"', 'backend: "python"'),
                "config.pbtxt names the backend 'python', not 'avatar_lora'",
            ),
            "no backend": (config.replace('backend: "avatar_lora"', ""), "config.pbtxt names the backend nowhere"),
            "a platform": (config + '\nplatform: "pytorch_libtorch"\n', "config.pbtxt sets platform"),
            "an execution environment from the package": (
                config + '\nparameters: { key: "EXECUTION_ENV_PATH"'
                ' value: { string_value: "$$TRITON_MODEL_DIRECTORY/env.tar.gz" } }\n',
                "config.pbtxt sets parameters, key, value, string_value",
            ),
            "another model file": (
                config + '\ndefault_model_filename: "x.py"\n', "config.pbtxt sets default_model_filename"
            ),
            "a field hidden after a '#' in a string": (
                config.replace('name: "m"', 'name: "m # " runtime: "x"'),
                "config.pbtxt sets runtime",
            ),
            "a backend concatenated from two strings": (
                config.replace('backend: "avatar_lora"', 'backend: "avatar_lora" "x"'),
                "config.pbtxt names the backend a value that is not one plain string",
            ),
            "another model name": (
                config.replace('name: "m"', 'name: "other"'), "config.pbtxt names the model 'other'"
            ),
        }
        for case, (text, problem) in cases.items():
            with self.subTest(case=case):
                # Act
                _, problems = check_package(package_bytes({**good_files(), "m/config.pbtxt": text.encode()}))

                # Assess
                self.assertTrue(any(p.startswith(problem) for p in problems), problems)

    def test_a_comment_is_not_a_field(self):
        # Prepare
        config = render_config((DEFAULT_TEMPLATE_DIR / "config.pbtxt").read_text(), "m")

        # Act
        problems = check_config('# backend: "python"  parameters { }\n' + config, "m")

        # Assess
        self.assertEqual(problems, [])

    def test_render_config(self):
        self.assertEqual(render_config('name: "__MODEL_NAME__"', "x"), 'name: "x"')
        with self.assertRaises(PackagingError):
            render_config('name: "fixed"', "x")


if __name__ == "__main__":
    unittest.main()
