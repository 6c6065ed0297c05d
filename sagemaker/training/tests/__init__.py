"""Tests of the training host. They need the standard library only (no torch, no boto3, no network, no GPU).

Run from the repository root:  python3 -m unittest discover -s sagemaker -t . -p 'test_*.py'
"""

import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))
