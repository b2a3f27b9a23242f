"""Count before you build: a segment's member count against the built warehouse, in seconds.

    python -m orchestration.segment_count --segment cart_abandoners
    python -m orchestration.segment_count --condition '{score: probability_alive, op: lt, value: 0.3}'
    python -m orchestration.segment_count --definition my_segment.yml

`make count SEGMENT=<key>` or `make count DEFINITION=<file>` run it. A
definition file holds a condition in the segment language (docs/segments.md),
alone or as the `condition:` of a segment definition. The count runs dbt's
`count_segment` operation (macros/segments/segment_models.sql): the condition
is checked and compiled by the same macros as a build, then counted on the
warehouse's intermediate tables, as of the date of the last build, so nothing
is rebuilt. A bad condition stops with the build's message naming the path in
it. The warehouse must be free (`make build` waits the same way).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import yaml

PROJECT_DIR = Path(__file__).resolve().parent.parent
RESULT = re.compile(r"segment_count (\S+) (\d+) (\d{4}-\d{2}-\d{2})")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


class CountError(Exception):
    """A bad argument, definition or warehouse, said in a sentence."""


def condition_from_definition(text: str, source: str) -> dict:
    """The condition of a definition file's text: the mapping itself, or its `condition:`."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise CountError(f"{source} is not YAML: {error}") from error
    if not isinstance(document, dict) or not document:
        raise CountError(f"{source} must hold a condition (a mapping such as {{score: churn_risk, op: eq, value: High}})")
    return document.get("condition", document)


def operation_arguments(args: argparse.Namespace) -> dict[str, object]:
    given = [name for name in ("segment", "condition", "definition") if getattr(args, name)]
    if len(given) != 1:
        raise CountError("give one of --segment, --condition or --definition")
    arguments: dict[str, object] = {}
    if args.segment:
        arguments["key"] = args.segment
    elif args.condition:
        arguments["condition"] = condition_from_definition(args.condition, "--condition")
    else:
        path = Path(args.definition)
        if not path.is_file():
            raise CountError(f"no definition file at {path}")
        arguments["condition"] = condition_from_definition(path.read_text(encoding="utf-8"), str(path))
    if args.as_of_date:
        arguments["as_of_date"] = args.as_of_date
    return arguments


def count(arguments: dict[str, object], env: dict[str, str] | None = None) -> tuple[str, int, str]:
    """(key, members, as-of date) from dbt's count_segment operation; CountError with dbt's message."""
    command = [sys.executable, "-m", "orchestration.dbt_gate", "run-operation", "count_segment", "--args", json.dumps(arguments)]
    result = subprocess.run(command, cwd=PROJECT_DIR, env=env or dict(os.environ), capture_output=True, text=True, check=False)
    output = result.stdout + result.stderr
    found = RESULT.search(output)
    if result.returncode != 0 or not found:
        # dbt's message without its log prefixes and macro call chain: the lines after "Compilation Error"
        lines = [ANSI.sub("", line).strip() for line in output.splitlines()]
        start = next((index for index, line in enumerate(lines) if "Compilation Error" in line), None)
        message = [line for line in lines[start + 1 :] if line and not line.startswith(">")] if start is not None else []
        shown = message[:6] or [line for line in lines if line][-6:]
        raise CountError("\n".join(shown) or f"dbt exited with {result.returncode}")
    return found.group(1), int(found.group(2)), found.group(3)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.segment_count", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--segment", help="a segment's key (models/segments/)")
    parser.add_argument("--condition", help="a condition, as YAML or JSON text")
    parser.add_argument("--definition", help="a YAML file holding a condition (or a definition with condition:)")
    parser.add_argument("--as-of-date", help="the date expected (YYYY-MM-DD); must be the warehouse's last build")
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        key, members, as_of = count(operation_arguments(args))
    except CountError as error:
        print(f"count: {error}", file=sys.stderr)
        return 2
    label = "the condition" if key == "counted_condition" else f"segment {key}"
    print(f"{label}: {members:,} member(s) as of {as_of} (counted in {time.monotonic() - started:.1f} s, nothing rebuilt)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
