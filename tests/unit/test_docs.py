"""Docs that cannot drift: the CLI reference is generated, and the README says how to start."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_cli_reference_is_current():
    from station_app.clidoc import render

    assert (ROOT / "docs" / "CLI.md").read_text(encoding="utf-8") == render(), (
        "docs/CLI.md is stale: run `python -m station_app.clidoc > docs/CLI.md`")


def test_readme_opens_with_the_two_commands():
    head = (ROOT / "README.md").read_text(encoding="utf-8")[:400]
    assert "make run" in head and "make test" in head


def test_every_dependency_is_explained():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    deps = list(project["dependencies"]) + [d for name, group in extras.items()
                                            if name != "dev" for d in group]
    arch = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8").lower()
    for dep in deps:
        name = dep.split(">")[0].split("=")[0].split("[")[0].strip().lower()
        assert name in arch, f"docs/ARCHITECTURE.md does not say why {name} is a dependency"


def test_cli_reference_covers_both_command_lines_the_metrics_and_the_headers():
    """What the reference must hold, whatever render() becomes: every command of both
    command lines, every figure's metric name, every import kind with each header."""
    from station_app.cli import build_parser
    from station_app.clidoc import _subparsers
    from station_app.domain.figures import FIGURES
    from station_app.exchange.import_fields import KINDS
    from sync.server.cli import build_parser as district_parser

    doc = (ROOT / "docs" / "CLI.md").read_text(encoding="utf-8")
    for prog, parser in (("station-admin", build_parser()),
                         ("district-server", district_parser())):
        for name, _sub in _subparsers(parser):
            assert f"## `{prog} {name}" in doc, f"{prog} {name} is not in docs/CLI.md"
    for code in FIGURES:
        assert f"| `{code}` |" in doc
    for code, kind in KINDS.items():
        assert f"`--kind {code}`" in doc
        for spec in kind.fields:
            for header in spec.synonyms:
                assert header.replace("|", "\\|") in doc, (code, header)
