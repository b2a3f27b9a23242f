"""The project's enumerations, read from the dbt seeds that hold them.

Event types, subscription statuses, engagement levels and personas each live
in one seed file (`seeds/*.csv`); the models, the segment language, the Great
Expectations suites and the generator all read them from there, so changing a
label or adding an event type is a one-file change.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

SEEDS_DIR = Path(__file__).resolve().parents[2] / "seeds"


@cache
def seed_rows(name: str, seeds_dir: Path = SEEDS_DIR) -> tuple[dict[str, str], ...]:
    """The rows of `seeds/<name>.csv`, as text, in file order."""
    with (seeds_dir / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
        return tuple(csv.DictReader(handle))


def event_types(seeds_dir: Path = SEEDS_DIR) -> list[str]:
    """Every event type the tracking feed may send."""
    return [row["event_type"] for row in seed_rows("event_types", seeds_dir)]


def interaction_event_types(seeds_dir: Path = SEEDS_DIR) -> list[str]:
    """The event types that count as an interaction for the engaged status."""
    return [row["event_type"] for row in seed_rows("event_types", seeds_dir) if row["is_interaction"] == "true"]


def subscription_statuses(seeds_dir: Path = SEEDS_DIR) -> list[str]:
    """Every subscription status, in the order engagement_status_summary shows them."""
    rows = sorted(seed_rows("subscription_statuses", seeds_dir), key=lambda row: int(row["group_order"]))
    return [row["subscription_status"] for row in rows]


def engagement_levels(seeds_dir: Path = SEEDS_DIR) -> list[str]:
    """Every engagement level's label, rank 0 (no scoring event) first."""
    rows = sorted(seed_rows("engagement_levels", seeds_dir), key=lambda row: int(row["engagement_level_rank"]))
    return [row["engagement_level"] for row in rows]


def opportunity_intents(seeds_dir: Path = SEEDS_DIR) -> list[str]:
    """The intents of the engaged levels, lowest level first."""
    rows = sorted(seed_rows("engagement_levels", seeds_dir), key=lambda row: int(row["engagement_level_rank"]))
    return [row["opportunity_intent"] for row in rows if int(row["engagement_level_rank"]) > 0]


def persona_names(seeds_dir: Path = SEEDS_DIR) -> list[str]:
    """Every persona of every shipped scheme (`seeds/rfm_personas_*.csv`)."""
    names: list[str] = []
    for path in sorted(seeds_dir.glob("rfm_personas_*.csv")):
        names += [row["persona"] for row in seed_rows(path.stem, seeds_dir) if row["persona"] not in names]
    return names
