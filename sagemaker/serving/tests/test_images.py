"""The two images' recipes: same library pins, start.sh installs the base model before exec'ing the serve command.
Nothing here builds an image or needs the network."""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

SAGEMAKER = Path(__file__).resolve().parents[2]
SHARED = ("diffusers", "peft", "transformers", "accelerate", "safetensors", "huggingface_hub", "boto3")


def pins(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)==(\S+)$", line.strip())
        if match:
            found[match.group(1).lower()] = match.group(2)
    return found


class ImagesTest(unittest.TestCase):
    def test_training_and_serving_pin_the_same_libraries(self):
        training = pins(SAGEMAKER / "training" / "requirements.txt")
        serving = pins(SAGEMAKER / "serving" / "requirements.txt")
        for name in SHARED:
            self.assertIn(name, training)
            self.assertEqual(training[name], serving.get(name), name)

    def test_dockerfiles_take_a_base_image_argument(self):
        for name in ("training", "serving"):
            text = (SAGEMAKER / name / "Dockerfile").read_text()
            self.assertRegex(text, r"(?m)^ARG BASE_IMAGE=\S+")
            self.assertIn("FROM ${BASE_IMAGE}", text)
            self.assertIn("BASE_MODEL=", text)
            self.assertIn("BASE_MODEL_DIR=", text)

    @unittest.skipUnless(shutil.which("bash"), "bash not installed")
    def test_start_sh_installs_the_base_model_then_execs_the_serve_command(self):
        with tempfile.TemporaryDirectory() as tmp:
            source = Path(tmp) / "saved-pipeline"
            (source / "unet").mkdir(parents=True)
            (source / "model_index.json").write_text("{}")
            (source / "unet" / "config.json").write_text("{}")
            out = Path(tmp) / "served.txt"
            env = {
                **os.environ,
                "PYTHONPATH": str(SAGEMAKER / "training" / "src"),
                "BASE_MODEL": source.as_uri(),
                "BASE_MODEL_DIR": str(Path(tmp) / "unused"),
            }
            script = Path(tmp) / "serve"
            script.write_text(f'#!/bin/sh\nprintf "%s %s" "$BASE_MODEL_DIR" "$*" > "{out}"\n')
            script.chmod(0o755)
            env["SERVE_COMMAND"] = str(script)
            env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '')}"
            result = subprocess.run(
                ["bash", str(SAGEMAKER / "serving" / "start.sh"), "serve", "--extra"],
                env=env, capture_output=True, text=True, timeout=60,
            )
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertEqual(out.read_text(), f"{source} --extra")

    @unittest.skipUnless(shutil.which("bash"), "bash not installed")
    def test_start_sh_fails_when_the_base_model_cannot_be_installed(self):
        with tempfile.TemporaryDirectory() as tmp:
            env = {
                **os.environ,
                "PYTHONPATH": str(SAGEMAKER / "training" / "src"),
                "BASE_MODEL": (Path(tmp) / "missing").as_uri(),
                "SERVE_COMMAND": "true",
                "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
            }
            result = subprocess.run(["bash", str(SAGEMAKER / "serving" / "start.sh")], env=env,
                                    capture_output=True, text=True, timeout=60)
            self.assertNotEqual(result.returncode, 0)
            self.assertIn("model_index.json", result.stderr)


if __name__ == "__main__":
    unittest.main()
