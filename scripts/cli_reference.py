"""Write docs/cli.md, the command-line reference, from the command table and its parser.

The table is src/autcloud/commands/commands.yaml; tests/cli/test_cli_reference.py and
``make lint`` fail while the page is stale.

Run: .venv/bin/python scripts/cli_reference.py            # rewrites docs/cli.md
     .venv/bin/python scripts/cli_reference.py --check    # exit 1 if it is stale
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autcloud.cli import build_parser
from autcloud.commands.reference import render

PUBLISHED = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the page is stale")
    args = parser.parse_args(argv)
    text = render(build_parser([])[0])
    current = PUBLISHED.read_text(encoding="utf-8") if PUBLISHED.exists() else ""
    if args.check:
        if current != text:
            print(f"{PUBLISHED} is stale: run scripts/cli_reference.py", file=sys.stderr)
            return 1
        return 0
    if current != text:
        PUBLISHED.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
