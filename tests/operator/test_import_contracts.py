"""The import-linter contracts in pyproject.toml see the operator package, and would break on
a forbidden import in it (the graph is import-linter's own, built as ``lint-imports`` builds
it; the forbidden import is added to that graph, so no source file is edited)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp
import pytest
from importlinter.adapters.user_options import TomlFileUserOptionReader
from importlinter.application.user_options import UserOptions
from importlinter.configuration import configure
from importlinter.contracts.forbidden import ForbiddenContract
from importlinter.contracts.layers import LayersContract
from importlinter.domain.contract import Contract

REPO = Path(__file__).resolve().parents[2]
TYPES: dict[str, type[Contract]] = {"forbidden": ForbiddenContract, "layers": LayersContract}
configure()  # import-linter's adapters (file system, timer), as lint-imports sets them up


def options() -> UserOptions:
    read = TomlFileUserOptionReader().read_options(str(REPO / "pyproject.toml"))
    assert read is not None
    return read


def contracts() -> dict[str, Contract]:
    user = options()
    built = {}
    for contract in user.contracts_options:
        contract = dict(contract)
        name, kind = contract.pop("name"), contract.pop("type")
        built[name] = TYPES[kind](name, user.session_options, contract)
    return built


def graph() -> grimp.ImportGraph:
    session = options().session_options
    return grimp.build_graph(
        *session["root_packages"],
        include_external_packages=str(session["include_external_packages"]).lower() == "true",
        cache_dir=None,
    )


@pytest.fixture(scope="module")
def real() -> grimp.ImportGraph:
    return graph()


def broken(graph: grimp.ImportGraph) -> set[str]:
    return {name for name, c in contracts().items() if not c.check(graph, verbose=False).kept}


def test_every_operator_module_is_in_the_graph(real: grimp.ImportGraph) -> None:
    on_disk = {f"autcloud.operator.{p.stem}" for p in (REPO / "operator").glob("*.py")}

    assert on_disk <= real.modules
    assert broken(real) == set()


def test_redis_imported_straight_into_the_reconcile_breaks_a_contract() -> None:
    changed = graph()
    changed.add_import(
        importer="autcloud.operator.reconcile",
        imported="redis",
        line_number=1,
        line_contents="import x",
    )

    assert broken(changed) == {
        "The operator's reconcile knows nothing of kopf, Redis or Kubernetes clients"
    }


def test_kopf_in_the_reconcile_breaks_the_contract() -> None:
    changed = graph()
    changed.add_import(
        importer="autcloud.operator.spec", imported="kopf", line_number=1, line_contents="import x"
    )

    assert "The operator's reconcile knows nothing of kopf, Redis or Kubernetes clients" in (
        broken(changed)
    )


def test_the_agent_importing_the_operator_breaks_the_layers() -> None:
    changed = graph()
    changed.add_import(
        importer="autcloud.agent.design",
        imported="autcloud.operator.reconcile",
        line_number=1,
        line_contents="import x",
    )

    assert broken(changed) == {"Layers: the CLI drives the operator, which drives the agent"}


def test_the_operator_folder_is_never_the_top_level_operator_module() -> None:
    """From the repository root (the folder on sys.path first), ``operator`` is the stdlib's."""
    found = subprocess.run(
        [sys.executable, "-c", "import operator, sys; print(operator.__file__)"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()

    assert not (REPO / "operator" / "__init__.py").exists()
    assert Path(found).resolve().parent != (REPO / "operator").resolve()
