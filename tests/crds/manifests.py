"""The project's CRDs and examples, loaded as the apiserver would receive them."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from tests.crds.apiserver import CustomResourceAPI

ROOT = Path(__file__).resolve().parents[2]
CRD_DIR = ROOT / "crds"
EXAMPLES_DIR = ROOT / "examples"


def load_documents(path: Path) -> list[dict[str, Any]]:
    """Every non-empty YAML document of a file."""
    with path.open(encoding="utf-8") as stream:
        return [document for document in yaml.safe_load_all(stream) if document]


@cache
def crds() -> dict[str, dict[str, Any]]:
    """The CRDs by kind, e.g. ``crds()["InfraDesign"]``."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(CRD_DIR.glob("*.yaml")):
        for document in load_documents(path):
            found[document["spec"]["names"]["kind"]] = document
    return found


def example_files() -> list[Path]:
    return sorted(EXAMPLES_DIR.glob("*.yaml"))


@cache
def api_for(kind: str) -> CustomResourceAPI:
    """The write path of ``kind``'s served version, as the apiserver would run it."""
    return CustomResourceAPI(crds()[kind])
