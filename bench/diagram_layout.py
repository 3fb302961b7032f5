"""How long drawing a diagram takes: graphviz `dot` versus Graphviz as WebAssembly.

Run: .venv/bin/python bench/diagram_layout.py

For three folders (the README's design, the full scan export of the seeded account, and that
scan's reference graph), the SVG is drawn by each engine: warm (median of 5 in one process) and
in a fresh process (what one `autcloud design` pays: imports, the WebAssembly module loaded
from wasmtime's cache, icons scaled, layout, SVG). Also the first drawing on a machine, with an
empty wasmtime cache (compiling Graphviz).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "agent" / "diagram_cases"
FOLDERS = [
    ("README design (architecture)", "web_api_postgres_redis", "architecture"),
    ("scan, 3 stacks (architecture)", "scan_account_full", "architecture"),
    ("scan, 3 stacks (reference graph)", "scan_account_full", "graph"),
]
FRESH = """
import sys, time
t = time.perf_counter()
from pathlib import Path
from autcloud.agent.diagram import diagram_for_folder
from autcloud.agent.diagram.render import svg_bytes
svg_bytes(diagram_for_folder(Path(sys.argv[1]), view=sys.argv[2]))
print(time.perf_counter() - t)
"""


def _warm(folder: Path, view: str, engine: str) -> tuple[float, int, int]:
    from autcloud.agent.diagram import diagram_for_folder
    from autcloud.agent.diagram.render import svg_bytes

    diagram = diagram_for_folder(folder, view=view)
    svg_bytes(diagram, engine)
    times = []
    for _ in range(5):
        start = time.perf_counter()
        svg_bytes(diagram, engine)
        times.append(time.perf_counter() - start)
    return statistics.median(times), len(diagram.nodes), len(diagram.edges)


def _fresh(folder: Path, view: str, engine: str, env: dict[str, str] | None = None) -> float:
    environment = {**os.environ, "AUTCLOUD_DIAGRAM_ENGINE": engine, **(env or {})}
    out = subprocess.run(
        [sys.executable, "-c", FRESH, str(folder), view],
        capture_output=True,
        text=True,
        check=True,
        env=environment,
    )
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    engines = ["wasm"] + (["dot"] if shutil.which("dot") else [])
    print(
        "| folder | nodes | edges | "
        + " | ".join(f"{e} warm | {e} fresh process" for e in engines)
        + " |"
    )
    print("| --- | ---: | ---: | " + " | ".join("---: | ---:" for _ in engines) + " |")
    for label, case, view in FOLDERS:
        cells = []
        nodes = edges = 0
        for engine in engines:
            warm, nodes, edges = _warm(CASES / case, view, engine)
            fresh = statistics.median(_fresh(CASES / case, view, engine) for _ in range(3))
            cells.append(f"{warm * 1000:.0f} ms | {fresh * 1000:.0f} ms")
        print(f"| {label} | {nodes} | {edges} | " + " | ".join(cells) + " |")
    with tempfile.TemporaryDirectory() as home:  # an empty wasmtime cache: Graphviz compiled
        cold = _fresh(CASES / FOLDERS[0][1], "architecture", "wasm", {"HOME": home})
    print(f"\nFirst WebAssembly drawing on a machine (empty wasmtime cache): {cold:.2f} s")


if __name__ == "__main__":
    main()
