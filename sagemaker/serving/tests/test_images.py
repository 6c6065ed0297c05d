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
REPOSITORY = SAGEMAKER.parent
LOCK = SAGEMAKER / "requirements.lock"
# What the code imports (torch, diffusers, ...) and what the training host uploads with (boto3).
TOP_LEVEL = ("torch", "numpy", "pillow", "diffusers", "peft", "transformers", "accelerate", "safetensors",
             "huggingface-hub", "boto3")


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(text: str) -> dict[str, str]:
    found = {}
    for line in text.splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)==([^\s;\\]+)", line.strip())
        if match:
            found[normalize(match.group(1))] = match.group(2)
    return found


def locked_packages(text: str) -> dict[str, list[str]]:
    """{package: [sha256, ...]} of a pip lock written with --generate-hashes."""
    packages: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)==\S+", line)
        if match:
            current = normalize(match.group(1))
            packages[current] = []
        hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})", line)
        if hashes and current:
            packages[current].extend(hashes)
    return packages


class ImagesTest(unittest.TestCase):
    def test_one_lock_pins_every_package_with_hashes(self):
        lock = LOCK.read_text()
        requested = pins((SAGEMAKER / "requirements.in").read_text())
        locked = pins(lock)
        for name in TOP_LEVEL:
            self.assertIn(name, requested, f"{name} is not pinned in requirements.in")
            self.assertEqual(locked.get(name), requested[name], f"{name}: requirements.lock differs from .in")
        for name, hashes in locked_packages(lock).items():
            self.assertTrue(hashes, f"{name} has no --hash in requirements.lock")
        self.assertNotIn("--index-url", lock)
        self.assertNotIn("--extra-index-url", lock)

    def test_training_serving_and_the_cpu_environment_install_the_same_lock(self):
        for name in ("training", "serving"):
            with self.subTest(image=name):
                dockerfile = (SAGEMAKER / name / "Dockerfile").read_text()
                self.assertIn("COPY requirements.lock /opt/avatar/requirements.lock", dockerfile)
                self.assertRegex(dockerfile, r"pip install [^\n]*--require-hashes[^\n]*-r /opt/avatar/requirements\.lock")
                self.assertNotRegex(dockerfile, r"pip install [^\n]*requirements\.txt")
        cpu = (REPOSITORY / "local" / "stand-ins" / "ml-environment.ts").read_text()
        self.assertIn("join(repository, 'sagemaker', 'requirements.lock')", cpu)
        self.assertIn("'--require-hashes'", cpu)
        self.assertEqual(sorted(SAGEMAKER.rglob("requirements*.txt")), [], "a second list of versions")

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
