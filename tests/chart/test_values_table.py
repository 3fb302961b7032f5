"""charts/autcloud/README.md's values table is generated from values.yaml (scripts/values_table.py)."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

import yaml

from tests.chart.rendering import CHART_DIR, REPO


def _script() -> ModuleType:
    name = "values_table_script"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / "values_table.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def test_the_readme_table_is_current() -> None:
    assert _script().main(["--check"]) == 0, "run: .venv/bin/python scripts/values_table.py"


def test_a_changed_description_makes_the_table_stale() -> None:
    script = _script()
    readme = (CHART_DIR / "README.md").read_text()
    values = (CHART_DIR / "values.yaml").read_text()
    changed = values.replace("# -- Replaces the chart name", "# -- Renames the chart", 1)
    assert changed != values
    assert script.updated_readme(readme, changed) != readme
    assert script.updated_readme(readme, values) == readme


def test_every_leaf_value_has_a_row_with_its_default() -> None:
    script = _script()
    text = (CHART_DIR / "values.yaml").read_text()
    rows = {row.key: row for row in script.rows(text)}
    values = yaml.safe_load(text)
    assert rows["gateway.replicas"].default == f"`{values['gateway']['replicas']}`"
    assert rows["gateway.replicas"].type == "int"
    assert rows["image.repository"].description.startswith("The AutCloud image")
    # Sections (documented keys whose children are documented) are headings, not rows.
    assert "validation" not in rows and "gateway.limits" not in rows
    assert "gateway.limits.maxJsonDepth" in rows


def test_a_continued_comment_joins_and_a_blank_line_ends_it() -> None:
    script = _script()
    text = (
        "# -- first line\n"
        "# second line\n"
        "a: 1\n"
        "# -- orphan\n"
        "\n"
        "b: x\n"
        "c:\n"
        "  # -- nested | piped\n"
        "  d: [1, 2]\n"
    )
    rows = {row.key: row for row in script.rows(text)}
    assert rows["a"].description == "first line second line"
    assert "b" not in rows
    assert rows["c.d"].description == "nested \\| piped"
    assert rows["c.d"].default == "`[1, 2]`"
