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
