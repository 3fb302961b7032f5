"""The package map in pyproject.toml lists every folder of code, so nothing is left out of a wheel."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def mapped_packages() -> tuple[dict[str, str], list[str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"
    ]
    return config["package-dir"], config["packages"]


def test_every_folder_with_python_code_is_a_listed_package() -> None:
    package_dir, packages = mapped_packages()
    expected = set()
    for name, folder in package_dir.items():
        for path in (ROOT / folder).rglob("*.py"):
            relative = path.parent.relative_to(ROOT / folder)
            if "__pycache__" in relative.parts:
                continue
            expected.add(".".join([name, *relative.parts]))
    assert expected <= set(packages), (
        f"add to [tool.setuptools] packages: {sorted(expected - set(packages))}"
    )


def test_every_listed_package_exists() -> None:
    package_dir, packages = mapped_packages()
    for package in packages:
        root = max((n for n in package_dir if package == n or package.startswith(n + ".")), key=len)
        folder = (
            ROOT
            / package_dir[root]
            / Path(*package[len(root) :].strip(".").split(".") if package != root else ())
        )
        assert folder.is_dir(), f"{package} maps to {folder}, which does not exist"


def test_operator_folder_never_shadows_the_standard_library() -> None:
    assert not (ROOT / "operator" / "__init__.py").exists(), "see operator/README.md"
