"""The project's enumerations live in seeds: event types (with their weight,
minimum duration and roles), subscription statuses and engagement levels.
Adding an event type or renaming a level is a change to one seed file; a
project copy with both changes builds, passes its data tests and shows the
change in validation, scoring, the marts, the segment language and the Great
Expectations suites."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from conftest import PROJECT_DIR, Workspace, add_segment_models, copy_dbt_project
from orchestration.lib import seeds
from orchestration.lib.quality.suites import SuiteSettings, build_suites

AS_OF = "2026-06-30"
NEW_TYPE = "wishlist_add"
NEW_WEIGHT = 5


def edit_seeds(project: Path) -> None:
    """The two one-file changes: a new event type that scores and counts as an interaction, and the
    top engagement level renamed."""
    with (project / "seeds" / "event_types.csv").open("a", newline="", encoding="utf-8") as handle:
        row = [NEW_TYPE, NEW_WEIGHT, "", "true", "false", "false", "A product added to a wishlist."]
        csv.writer(handle, lineterminator="\n").writerow(row)
    levels = project / "seeds" / "engagement_levels.csv"
    levels.write_text(levels.read_text(encoding="utf-8").replace("3,Most engaged,", "3,Highly engaged,"), encoding="utf-8")


def test_an_added_event_type_and_a_renamed_level_are_one_seed_change_each(tmp_path: Path) -> None:
    (tmp_path / "project").mkdir()
    project = copy_dbt_project(tmp_path / "project")
    edit_seeds(project)
    # a segment on the new event type: the segment language reads the seed too
    add_segment_models(project, ["seg_wishlisters"])
    (project / "models" / "segments" / "_extra.yml").write_text(
        "version: 2\nmodels:\n  - name: seg_wishlisters\n    config:\n      meta:\n        segment:\n"
        "          name: Wishlisters\n          description: Added to a wishlist.\n          status: active\n"
        f"          owner: tests\n          condition: {{event: {NEW_TYPE}, last_within_days: 30}}\n",
        encoding="utf-8",
    )
    workspace = Workspace(tmp_path / "work", project=project)
    workspace.raw.mkdir(parents=True)
    workspace.generate("--contacts", "300", "--orders", "900", "--events", "6000", "--end-date", AS_OF, "--format", "csv",
                       "--bad-row-rate", "0")
    events = pd.read_csv(workspace.raw / "events.csv", dtype=str, keep_default_na=False)
    contacts = pd.read_csv(workspace.raw / "contacts.csv", dtype=str, keep_default_na=False)
    # a contact without any event gets one wishlist_add on the as-of date, in upper case (types are case-insensitive)
    quiet = sorted(set(contacts.contact_id) - set(events.contact_id) - {""})[0]
    added = {column: "" for column in events.columns} | {
        "event_id": "wish-1", "contact_id": quiet, "event_type": NEW_TYPE.upper(), "occurred_at": f"{AS_OF}T10:00:00Z",
    }  # fmt: skip
    pd.concat([events, pd.DataFrame([added])]).to_csv(workspace.raw / "events.csv", index=False)

    workspace.build(tests=True, vars={"as_of_date": AS_OF})

    rejected = workspace.query("select count(*) as n from staging.stg_tracking__events_quarantine where record_key = 'wish-1'")
    assert rejected.n[0] == 0, "the new type is valid"
    scored = workspace.query(f"select * from marts.erfm_scores where contact_id = '{quiet}'")
    # weight 5 on the as-of date, decaying over the 30-day window: 5 x 30 / 30
    assert float(scored.engagement_score[0]) == NEW_WEIGHT
    status = workspace.query(f"select engagement_status from marts.erfm_scores where contact_id = '{quiet}'")
    assert status.engagement_status[0] == "Engaged", "an interaction type makes the contact engaged"
    levels = set(workspace.query("select distinct engagement_level from marts.erfm_scores").engagement_level)
    assert "Highly engaged" in levels and "Most engaged" not in levels
    tiles = workspace.query("select distinct engagement_level from marts.opportunity_tiles").engagement_level
    assert set(tiles) == {"Lightly engaged", "Moderately engaged", "Highly engaged"}
    groups = workspace.query("select opportunity_group from marts.erfm_scores where x_position = 3").opportunity_group
    assert len(groups) and all(group.startswith("Highly engaged ") for group in groups)
    members = workspace.query("select contact_id from segments.seg_wishlisters").contact_id
    assert list(members) == [quiet]

    # the Great Expectations suites read the copy's seeds: opportunity groups are "<level> <persona>"
    suites = build_suites(SuiteSettings(as_of_date=AS_OF, project_dir=project))
    value_sets = [
        expectation.value_set
        for suite in suites
        for frame in suite.frames
        for expectation in frame.expectations
        if getattr(expectation, "column", None) == "opportunity_group" and hasattr(expectation, "value_set")
    ]
    assert value_sets
    assert all("Highly engaged champions" in values and "Most engaged champions" not in values for values in value_sets)


def test_the_python_readers_follow_the_seed_files(tmp_path: Path) -> None:
    project = copy_dbt_project(tmp_path)
    edit_seeds(project)
    seeds_dir = project / "seeds"
    assert seeds.event_types(seeds_dir)[-1] == NEW_TYPE
    assert NEW_TYPE in seeds.interaction_event_types(seeds_dir)
    assert seeds.engagement_levels(seeds_dir)[-1] == "Highly engaged"
    assert seeds.engagement_levels() == seeds.engagement_levels(PROJECT_DIR / "seeds"), "the project's own seeds are untouched"
