"""Tests that run the real training and serving code (torch, diffusers, peft) on the tiny base model, on CPU.

They need the ML environment; `npm run test:ml` creates it (and the tiny model) and runs them:
    python -m unittest discover -s sagemaker -t . -p 'mltest_*.py'
with AVATAR_TINY_BASE_MODEL set to the tiny model's folder. The file names do not match `test_*.py`, so the
standard-library suite (`npm run test:python`) never collects them.
"""

import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
SRC = Path(__file__).resolve().parents[1] / "training" / "src"
if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))
