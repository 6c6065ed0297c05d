import py_compile
import tempfile
import unittest
from pathlib import Path

SAGEMAKER = Path(__file__).resolve().parents[2]


class CompileTest(unittest.TestCase):
    def test_every_python_file_under_sagemaker_compiles(self):
        files = sorted(p for p in SAGEMAKER.rglob("*.py") if "__pycache__" not in p.parts)
        self.assertGreater(len(files), 20)
        with tempfile.TemporaryDirectory() as tmp:
            for index, path in enumerate(files):
                with self.subTest(path=str(path.relative_to(SAGEMAKER))):
                    py_compile.compile(str(path), cfile=str(Path(tmp) / f"{index}.pyc"), doraise=True)

    def test_heavy_modules_import_without_their_dependencies(self):
        import avatar_training.base_model  # noqa: F401
        import avatar_training.dreambooth_lora  # noqa: F401
        import avatar_training.server  # noqa: F401
        import avatar_training.storage  # noqa: F401
        import avatar_training.trainer  # noqa: F401


if __name__ == "__main__":
    unittest.main()
