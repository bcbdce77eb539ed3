"""What tests share: the fake Google API server, the loopback SMTP server, the demo
workspace driven cycle by cycle, golden pairs, and the sheet's column names."""

from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent  # tests/: golden/, regressions/, fixtures/
ROOT = TESTS.parent  # the repository
