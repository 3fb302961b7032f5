"""Diagrams of designs, scans and any Terraform folder.

Two views of one folder:

- the **architecture view** (:func:`build_diagram`, the default; ``diagram.json`` /
  ``diagram.svg`` / ``diagram.png``): the components a person talks about inside their region,
  VPC, availability-zone and subnet boundaries, edges that are flows (request, event, data,
  replication, management) labelled in words, plumbing folded into badges on what it serves;
- the **reference graph** (:func:`build_graph`; ``graph.json`` / ``graph.svg``): every resource
  and every ``${...}`` reference, for debugging.

What the view knows about AWS lives in tables (:mod:`.catalog`). Drawing (:mod:`.render`) uses
graphviz ``dot`` when installed and the WebAssembly build of Graphviz shipped as a Python
package otherwise, with AWS Architecture Icons from the ``diagrams`` package.
"""

from __future__ import annotations

from pathlib import Path

from autcloud.agent.diagram.architecture import build_architecture
from autcloud.agent.diagram.graph import build_graph
from autcloud.agent.diagram.model import (
    CATEGORIES,
    GLOBAL_GROUP,
    INTERNET,
    SCHEMA,
    Diagram,
    DiagramRenderError,
    Edge,
    Group,
    LegendEntry,
    Node,
    Plumbing,
    kind_info,
)
from autcloud.agent.diagram.render import layout_engine, markdown_embed, write_diagram
from autcloud.agent.tfparse import TerraformModule, load_folder

VIEWS = ("architecture", "graph")

__all__ = [
    "CATEGORIES",
    "GLOBAL_GROUP",
    "INTERNET",
    "SCHEMA",
    "VIEWS",
    "Diagram",
    "DiagramRenderError",
    "Edge",
    "Group",
    "LegendEntry",
    "Node",
    "Plumbing",
    "build_architecture",
    "build_diagram",
    "build_graph",
    "diagram_for_folder",
    "kind_info",
    "layout_engine",
    "markdown_embed",
    "write_diagram",
]


def build_diagram(module: TerraformModule, title: str = "", view: str = "architecture") -> Diagram:
    """The ``view`` of ``module``; the architecture view carries the full graph in ``.graph``."""
    if view == "graph":
        return build_graph(module, title)
    if view != "architecture":
        raise ValueError(f"diagram view {view!r}: choose {' or '.join(VIEWS)}")
    diagram = build_architecture(module, title)
    diagram.graph = build_graph(module, title)
    return diagram


def diagram_for_folder(folder: Path, title: str = "", view: str = "architecture") -> Diagram:
    return build_diagram(load_folder(folder), title or folder.resolve().name, view)
