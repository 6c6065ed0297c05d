"""The environment these tests run in has exactly the versions the images install (sagemaker/requirements.lock)."""

import importlib.metadata
import re
import unittest

from .support import SAGEMAKER


class EnvironmentTest(unittest.TestCase):
    def test_every_locked_package_is_installed_at_its_locked_version(self):
        locked = dict(re.findall(r"(?m)^([A-Za-z0-9_.-]+)==(\S+)", (SAGEMAKER / "requirements.lock").read_text()))
        self.assertIn("torch", locked)
        for name, version in locked.items():
            with self.subTest(package=name):
                self.assertEqual(importlib.metadata.version(name), version)


if __name__ == "__main__":
    unittest.main()
