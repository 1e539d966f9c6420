"""No way into the app skips the password: no hidden login flag, no environment switch."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from station_app.app import parse_args

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("argv", [["--bench-login", "admin"], ["--quit-after-show"]])
def test_the_client_refuses_hidden_flags(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        parse_args(argv)
    assert exc.value.code == 2
    assert "unrecognized arguments" in capsys.readouterr().err


def test_no_product_code_reads_a_bench_or_test_switch():
    """Benches and tests reach in from bench/ and tests/; the product has no hook for them."""
    pattern = re.compile(r"STATION_APP_(BENCH|TEST)|bench[_-]login|PYTEST_CURRENT_TEST")
    offenders = [str(path.relative_to(ROOT))
                 for package in ("station_app", "sync")
                 for path in (ROOT / package).rglob("*.py")
                 if pattern.search(path.read_text(encoding="utf-8"))]
    assert offenders == []
