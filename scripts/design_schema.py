"""Write docs/design.schema.json, the JSON Schema of design.json, from its model.

The model is autcloud.agent.document.DesignDocument; tests/cli/test_design_json_schema.py and
``make lint`` fail while the published file is stale.

Run: .venv/bin/python scripts/design_schema.py            # rewrites docs/design.schema.json
     .venv/bin/python scripts/design_schema.py --check    # exit 1 if it is stale
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from autcloud.agent.document import design_json_schema

PUBLISHED = Path(__file__).resolve().parents[1] / "docs" / "design.schema.json"


def render() -> str:
    return json.dumps(design_json_schema(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    args = parser.parse_args(argv)
    text = render()
    current = PUBLISHED.read_text(encoding="utf-8") if PUBLISHED.exists() else ""
    if args.check:
        if current != text:
            print(f"{PUBLISHED} is stale: run scripts/design_schema.py", file=sys.stderr)
            return 1
        return 0
    if current != text:
        PUBLISHED.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
