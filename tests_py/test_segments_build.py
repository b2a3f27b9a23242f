"""Segments built by dbt on generated data: the shipped example segments
against the reference evaluator (who is in and who is not), the catalog,
membership history over two dates, visit-rule tags against an independent
computation, ad hoc tags written once, and static lists that new data does
not change."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
import yaml

from conftest import PROJECT_DIR, Workspace, copy_dbt_project
from insights_reference import Marts, breakdown, overlap, revenue_monthly, summary
from orchestration.lib.publish import publish
from segment_harness import FIELD_TYPES
from segment_reference import Evaluator, SegmentData

AS_OF = dt.date(2026, 11, 20)
NEXT = dt.date(2026, 11, 21)
END = "2026-11-21"
INSIGHT_MARTS = ["segment_summary", "segment_revenue_monthly", "segment_breakdown", "segment_overlap", "segment_comparison"]
SEGMENT_KEYS = [
    "cart_abandoners",
    "engaged_non_customer_product_viewers",
    "most_engaged_champions_openers",
    "seasonal_allergy_buyers",
    "sofa_without_coffee_table",
    "sunset_subscribed_non_engaged",
    "win_back_big_spenders",
]


def shipped_segments() -> dict[str, dict[str, Any]]:
    document = yaml.safe_load((PROJECT_DIR / "models" / "segments" / "_segments__models.yml").read_text())
    return {model["name"][4:]: model["config"]["meta"]["segment"] for model in document["models"]}


def append_rows(workspace: Workspace, entity: str, rows: list[dict[str, str | None]]) -> None:
    """Add rows (text values) to a generated parquet file."""
    path = workspace.raw / f"{entity}.parquet"
    existing = pd.read_parquet(path)
    added = pd.DataFrame(rows, columns=existing.columns).astype(existing.dtypes.to_dict())
    pd.concat([existing, added], ignore_index=True).to_parquet(path, index=False)


def event(event_id: str, contact_id: str, event_type: str, day: dt.date, **values: str | None) -> dict[str, str | None]:
    row: dict[str, str | None] = {
        "event_id": event_id,
        "contact_id": contact_id,
        "event_type": event_type,
        "occurred_at": f"{day.isoformat()}T12:00:00Z",
        "campaign_id": None,
        "url": None,
        "product_id": None,
        "duration_seconds": None,
        "traffic_source": None,
        "utm_source": None,
        "utm_medium": None,
        "utm_campaign": None,
        "session_id": None,
        "is_machine_open": None,
    }
    row.update(values)
    return row


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    workspace = Workspace(tmp_path_factory.mktemp("segments_build"))
    workspace.raw.mkdir()
    workspace.generate("--contacts", "3000", "--orders", "15000", "--events", "150000", "--end-date", END)
    orders = pd.read_parquet(workspace.raw / "orders.parquet")
    contacts = pd.read_parquet(workspace.raw / "contacts.parquet")
    non_customers = sorted(set(contacts["contact_id"].dropna()) - set(orders["contact_id"].dropna()))
    viewer, near_miss = non_customers[0], non_customers[1]
    # One non-customer views products three times within the last 7 days (in),
    # another twice (out).
    crafted = [
        event(
            f"EX{i}",
            viewer,
            "product_view",
            AS_OF - dt.timedelta(days=offset),
            url="/p/x",
            product_id="P000001",
            traffic_source="search",
            session_id="SX",
        )
        for i, offset in enumerate([0, 3, 6])
    ] + [
        event(
            f"EY{i}",
            near_miss,
            "product_view",
            AS_OF - dt.timedelta(days=offset),
            url="/p/x",
            product_id="P000001",
            traffic_source="search",
            session_id="SY",
        )
        for i, offset in enumerate([0, 6])
    ]
    append_rows(workspace, "events", crafted)
    vars_ = {"as_of_date": AS_OF.isoformat()}
    workspace.build(vars=vars_)
    snapshot = {
        "members": workspace.query("select segment_key, contact_id from marts.segment_members"),
        "inputs": read_inputs(workspace),
        "adhoc": workspace.query("select * from marts.contact_tags_adhoc order by rule_key, contact_id"),
        "runs": workspace.query("select * from marts.tag_adhoc_rule_runs order by rule_key"),
        "derived": workspace.query("select * from marts.contact_tags_derived"),
        "events": workspace.query(
            "select contact_id, occurred_date, url, duration_seconds from intermediate.int_contact_page_visits"
        ),
        "insights": {mart: exact_query(workspace, f"select * from marts.{mart}") for mart in INSIGHT_MARTS},
        "marts": Marts(
            as_of=AS_OF,
            contacts=exact_query(workspace, "select * from marts.dim_contacts"),
            orders=exact_query(workspace, "select * from marts.fct_orders"),
            lines=exact_query(workspace, "select * from marts.fct_order_lines"),
            products=exact_query(workspace, "select * from marts.dim_products"),
            members=exact_query(workspace, "select * from marts.segment_members"),
            catalog=exact_query(workspace, "select * from marts.segments"),
            erfm=exact_query(workspace, "select * from marts.erfm_scores"),
        ),
    }
    return {"workspace": workspace, "viewer": viewer, "near_miss": near_miss, "first": snapshot}


def exact_query(workspace: Workspace, sql: str) -> pd.DataFrame:
    """Rows as Python values (Decimal for decimals, None for nulls), not pandas' floats."""
    with duckdb.connect(str(workspace.database), read_only=True) as connection:
        cursor = connection.execute(sql)
        names = [column[0] for column in cursor.description]
        frame = pd.DataFrame(cursor.fetchall(), columns=names, dtype=object)
    for column in ("is_valid_order", "is_subscribed", "has_email"):
        if column in frame:
            frame[column] = frame[column].astype(bool)
    return frame


def read_inputs(workspace: Workspace) -> SegmentData:
    def rows(sql: str) -> list[dict[str, Any]]:
        frame = workspace.query(sql)
        return [
            {key: (None if pd.isna(value) else value) for key, value in record.items()}
            for record in frame.astype(object).to_dict("records")
        ]

    return SegmentData(
        contacts=rows("select * from intermediate.int_segment_contacts"),
        orders=rows("select * from intermediate.int_segment_orders"),
        lines=rows("select * from intermediate.int_segment_order_lines"),
        events=rows("select * from intermediate.int_segment_events"),
        tags=rows("select * from intermediate.int_contact_tag_scores"),
        static_members=rows("select * from intermediate.int_static_list_members"),
    )


def members_by_segment(frame: pd.DataFrame) -> dict[str, set[str]]:
    return {key: set(group["contact_id"]) for key, group in frame.groupby("segment_key")}


def test_example_segments_match_the_reference(built: dict[str, Any]) -> None:
    data: SegmentData = built["first"]["inputs"]
    found = members_by_segment(built["first"]["members"])
    definitions = shipped_segments()
    evaluator = Evaluator(data, AS_OF, FIELD_TYPES, {key: d["condition"] for key, d in definitions.items()})
    everyone = {contact["contact_id"] for contact in data.contacts}
    for key in SEGMENT_KEYS:
        expected = evaluator.members(definitions[key]["condition"])
        assert found.get(key, set()) == expected, key
        # each example has members and non-members on this data
        assert expected and expected != everyone, key
    assert built["viewer"] in found["engaged_non_customer_product_viewers"]
    assert built["near_miss"] not in found["engaged_non_customer_product_viewers"]


def test_example_segments_say_who_is_in_and_who_is_not(built: dict[str, Any]) -> None:
    """Each example's defining facts, checked directly on the marts."""
    workspace: Workspace = built["workspace"]
    members = members_by_segment(built["first"]["members"])
    facts = workspace.query("""
        with lines as (
            select l.contact_id, p.subcategory, l.ordered_date from marts.fct_order_lines as l
            inner join marts.dim_products as p on l.product_id = p.product_id where l.is_valid_order
        )
        select
            c.contact_id,
            r.monetary_score, r.frequency_score,
            (select max(ordered_date) from marts.fct_orders as o
             where o.contact_id = c.contact_id and o.is_valid_order) as last_order,
            exists (select 1 from lines where lines.contact_id = c.contact_id and subcategory = 'Sofas') as bought_sofa,
            exists (select 1 from lines where lines.contact_id = c.contact_id and subcategory = 'Coffee tables') as bought_table,
            exists (select 1 from lines where lines.contact_id = c.contact_id and subcategory = 'Allergy'
                    and month(ordered_date) between 3 and 5 and year(ordered_date) < 2026) as spring_allergy
        from marts.dim_contacts as c left join marts.rfm_scores as r on c.contact_id = r.contact_id
    """).set_index("contact_id")
    cutoff = pd.Timestamp(AS_OF - dt.timedelta(days=179))
    win_back = set(
        facts.index[(facts.monetary_score >= 4) & (facts.frequency_score <= 2) & (pd.to_datetime(facts.last_order) < cutoff)]
    )
    assert members["win_back_big_spenders"] == win_back
    assert members["sofa_without_coffee_table"] == set(facts.index[facts.bought_sofa & ~facts.bought_table])
    assert members["seasonal_allergy_buyers"] == set(facts.index[facts.spring_allergy])


def test_catalog_holds_every_segment_with_its_sql(built: dict[str, Any]) -> None:
    workspace: Workspace = built["workspace"]
    catalog = workspace.query("select * from marts.segments order by segment_key")
    assert list(catalog["segment_key"]) == SEGMENT_KEYS
    counts = built["first"]["members"].groupby("segment_key").size()
    for row in catalog.itertuples():
        assert row.members == counts.get(row.segment_key, 0)
        assert row.model_name == f"seg_{row.segment_key}"
        compiled = (
            workspace.root / "target" / "compiled" / "customer_segments" / "models" / "segments" / f"{row.model_name}.sql"
        ).read_text()
        assert " ".join(row.compiled_sql.split()) in " ".join(compiled.split())
        # the stored SQL selects the members on its own
        assert set(workspace.query(row.compiled_sql)["contact_id"]) == set(
            built["first"]["members"].query("segment_key == @row.segment_key")["contact_id"]
        )
    assert catalog["is_recommended"].sum() == 5
    assert set(catalog["segment_type"]) == {"dynamic"}


def visit_rule_reference(visits: pd.DataFrame, rules: pd.DataFrame) -> dict[tuple[str, str], dt.date]:
    """First day each rule held for each contact, from the documented rule."""
    matched: dict[tuple[str, str], dt.date] = {}
    for rule in rules.itertuples():
        for contact_id, group in visits.groupby("contact_id"):
            urls = group["url"]
            hits = urls.str.contains(rule.url_pattern, regex=rule.url_match_type == "regex")
            durations = group["duration_seconds"].astype(float)
            qualifying = group[hits & ((rule.min_duration_seconds == 0) | (durations >= rule.min_duration_seconds))]
            days = sorted(pd.to_datetime(qualifying["occurred_date"]).dt.date)
            k = int(rule.min_visits)
            candidates = [
                days[i + k - 1] for i in range(len(days) - k + 1) if (days[i + k - 1] - days[i]).days < rule.window_days
            ]
            if candidates:
                matched[(contact_id, rule.rule_key)] = min(candidates)
    return matched


def test_visit_rule_tags_match_an_independent_computation(built: dict[str, Any]) -> None:
    rules = pd.read_csv(PROJECT_DIR / "seeds" / "tag_visit_rules.csv")
    expected = visit_rule_reference(built["first"]["events"], rules)
    derived = built["first"]["derived"]
    found = {(row.contact_id, row.rule_key): pd.Timestamp(row.first_matched_date).date() for row in derived.itertuples()}
    assert found == expected
    assert len(found) > 10


def test_history_adhoc_tags_and_static_lists(built: dict[str, Any]) -> None:
    workspace: Workspace = built["workspace"]
    env = workspace.env()

    def command(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "orchestration.static_lists", *args],
            cwd=PROJECT_DIR,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    # freeze a segment and upload a CSV with known, unknown, empty and repeated ids
    frozen = command("freeze", "--segment", "sofa_without_coffee_table", "--list", "sofa_frozen")
    assert frozen.returncode == 0, frozen.stdout + frozen.stderr
    first_members = members_by_segment(built["first"]["members"])
    known = sorted(first_members["win_back_big_spenders"])[:3]
    csv_path = workspace.root / "upload.csv"
    csv_path.write_text("contact_id\n" + "\n".join([*known, known[0], "NOT-A-CONTACT", " "]) + "\n")
    uploaded = command("upload", "--list", "fair_visitors", "--csv", str(csv_path))
    output = uploaded.stdout + uploaded.stderr
    assert uploaded.returncode == 0, output
    assert "6 id(s) uploaded, 3 member(s), 3 rejected" in output
    assert "rejected 1 id(s) as unknown_contact_id (e.g. 'NOT-A-CONTACT')" in output
    again = command("freeze", "--segment", "cart_abandoners", "--list", "sofa_frozen")
    assert again.returncode != 0 and "static list 'sofa_frozen' already exists" in again.stdout + again.stderr
    clash = command("freeze", "--segment", "cart_abandoners", "--list", "cart_abandoners")
    assert clash.returncode != 0 and "a segment has this key" in clash.stdout + clash.stderr
    rejected = workspace.query("select contact_id, rejection_reason from static_lists.static_list_rejected_ids order by all")
    assert sorted(rejected["rejection_reason"]) == ["duplicate_contact_id", "missing_contact_id", "unknown_contact_id"]

    # new data arrives: orders and events after the first as-of date, and
    # visits inside the ad hoc rule's finished range
    viewer = built["viewer"]
    append_rows(
        workspace,
        "events",
        [
            event(
                f"EZ{i}",
                viewer,
                "page_view",
                dt.date(2025, 4, 10),
                url="/category/allergy",
                duration_seconds="30",
                traffic_source="direct",
            )
            for i in range(3)
        ]
        + [event("EW1", viewer, "add_to_cart", NEXT, url="/cart", product_id="P000001", traffic_source="direct")],
    )
    workspace.build(vars={"as_of_date": NEXT.isoformat()})

    # static lists are unchanged, in the catalog and in segment_members
    lists = workspace.query("select list_key, contact_id from static_lists.static_list_members")
    assert set(lists.query("list_key == 'sofa_frozen'")["contact_id"]) == first_members["sofa_without_coffee_table"]
    assert set(lists.query("list_key == 'fair_visitors'")["contact_id"]) == set(known)
    second = members_by_segment(workspace.query("select segment_key, contact_id from marts.segment_members"))
    assert second["sofa_frozen"] == first_members["sofa_without_coffee_table"]
    assert second["fair_visitors"] == set(known)
    catalog = workspace.query("select segment_key, segment_type, members from marts.segments where segment_type = 'static'")
    assert dict(zip(catalog["segment_key"], catalog["members"], strict=True)) == {
        "sofa_frozen": len(first_members["sofa_without_coffee_table"]),
        "fair_visitors": 3,
    }
    assert viewer in second["cart_abandoners"]

    # ad hoc tags were written once and kept as they were
    pd.testing.assert_frame_equal(
        workspace.query("select * from marts.contact_tags_adhoc order by rule_key, contact_id"), built["first"]["adhoc"]
    )
    pd.testing.assert_frame_equal(
        workspace.query("select * from marts.tag_adhoc_rule_runs order by rule_key"), built["first"]["runs"]
    )
    assert viewer not in set(built["first"]["adhoc"]["contact_id"])

    # membership changes and sizes: NEXT against the first date
    changes = workspace.query(
        f"select segment_key, contact_id, change_type from marts.segment_membership_changes where as_of_date = '{NEXT}'"
    )
    sizes = workspace.query("select * from marts.segment_sizes_history order by as_of_date, segment_key")
    for key in SEGMENT_KEYS:
        before, after = first_members.get(key, set()), second.get(key, set())
        assert set(changes.query("segment_key == @key and change_type == 'entered'")["contact_id"]) == after - before, key
        assert set(changes.query("segment_key == @key and change_type == 'exited'")["contact_id"]) == before - after, key
        row = sizes[(sizes.segment_key == key) & (pd.to_datetime(sizes.as_of_date).dt.date == NEXT)].iloc[0]
        assert (row.members, row.entered, row.exited) == (len(after), len(after - before), len(before - after)), key
    first_day = sizes[pd.to_datetime(sizes.as_of_date).dt.date == AS_OF]
    assert (first_day["entered"] == first_day["members"]).all() and (first_day["exited"] == 0).all()
    # static lists enter on the first build that sees them
    assert set(changes.query("segment_key == 'sofa_frozen'")["change_type"]) == {"entered"}
    entered = workspace.query(f"""
        select segment_key, contact_id, entered_date from marts.segment_members
        where segment_key = 'cart_abandoners' and contact_id = '{viewer}'
    """)
    assert pd.Timestamp(entered["entered_date"].iloc[0]).date() == NEXT

    # rebuilding the same date gives the same history rows
    workspace.build(vars={"as_of_date": NEXT.isoformat()}, select="segment_membership_changes segment_sizes_history")
    pd.testing.assert_frame_equal(
        workspace.query("select * from marts.segment_sizes_history order by as_of_date, segment_key"), sizes
    )


def test_a_build_before_a_list_existed_does_not_see_it(built: dict[str, Any], tmp_path: Path) -> None:
    workspace: Workspace = built["workspace"]
    copy = Workspace(tmp_path)
    copy.raw.symlink_to(workspace.raw)
    with duckdb.connect(str(copy.database)) as connection:
        connection.execute(f"attach '{workspace.database}' as source (read_only)")
        connection.execute("create schema static_lists")
        for table in ("static_lists", "static_list_members", "static_list_rejected_ids"):
            connection.execute(f"create table static_lists.{table} as select * from source.static_lists.{table}")
        connection.execute(
            "update static_lists.static_lists set effective_date = date '2026-11-19' where list_key = 'sofa_frozen'"
        )
    copy.build(vars={"as_of_date": "2026-11-18"}, select="+segments")
    assert workspace.query("select count(*) as n from static_lists.static_lists")["n"][0] == 2
    keys = set(copy.query("select segment_key from marts.segments")["segment_key"])
    assert "sofa_frozen" not in keys and "fair_visitors" not in keys


def is_null(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def assert_agrees(found: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Same rows (index) and, per column, equal values: exactly for counts,
    money and text, to 1e-9 relative for percentages and count ratios."""
    found = found.sort_index()
    assert list(found.index) == list(expected.index)
    for column in expected.columns:
        for index, value, wanted in zip(found.index, found[column], expected[column], strict=True):
            where = f"{column} at {index}: {value!r} != {wanted!r}"
            if is_null(wanted):
                assert is_null(value), where
            elif isinstance(wanted, float):
                assert value == pytest.approx(wanted, rel=1e-9, abs=1e-12), where
            else:
                assert value == wanted, where


def test_segment_summary_matches_an_independent_computation(built: dict[str, Any]) -> None:
    found = built["first"]["insights"]["segment_summary"].set_index("segment_key")
    expected = summary(built["first"]["marts"])
    assert_agrees(found, expected)
    # the data exercise the tree: buyers, several orders per buyer, and an empty-ish segment
    assert expected.loc["all_contacts", "customers"] > 100 and expected["orders"].max() > expected["customers"].max()
    assert set(found["segment_type"]) == {"dynamic", "baseline"} and found["is_baseline"].sum() == 1


def test_segment_revenue_monthly_matches_an_independent_computation(built: dict[str, Any]) -> None:
    found = built["first"]["insights"]["segment_revenue_monthly"]
    found["month_start_date"] = pd.to_datetime(found["month_start_date"]).dt.date
    expected = revenue_monthly(built["first"]["marts"])
    assert_agrees(found.set_index(["segment_key", "month_start_date"]), expected)
    assert len(expected) == 24 * (len(SEGMENT_KEYS) + 1)
    assert found[found["month_start_date"] == AS_OF.replace(day=1)]["is_complete_month"].eq(False).all()


def test_segment_breakdown_matches_an_independent_computation(built: dict[str, Any]) -> None:
    found = built["first"]["insights"]["segment_breakdown"].set_index(["segment_key", "attribute", "attribute_value"])
    expected = breakdown(built["first"]["marts"])
    assert_agrees(found, expected)
    assert "Unknown" in set(expected.index.get_level_values("attribute_value"))
    # each segment's percentages sum to 100 per attribute
    sums = found.groupby(level=["segment_key", "attribute"])[["pct_of_members"]].sum()
    assert (sums["pct_of_members"] - 100).abs().max() < 1e-9


def test_segment_overlap_matches_an_independent_computation(built: dict[str, Any]) -> None:
    found = built["first"]["insights"]["segment_overlap"].set_index(["segment_key", "other_segment_key"])
    expected = overlap(built["first"]["marts"])
    assert_agrees(found, expected)
    assert len(expected) == len(SEGMENT_KEYS) ** 2
    assert (expected["members_in_both"][expected.index.get_level_values(0) != expected.index.get_level_values(1)] > 0).any()


def test_comparison_shows_the_recommended_segments_in_their_order(built: dict[str, Any]) -> None:
    """compare_segments is empty by default: the recommended segments, by their position."""
    definitions = shipped_segments()
    ranked = sorted((d["recommended"], key) for key, d in definitions.items() if d.get("recommended") not in (None, False))
    comparison = built["first"]["insights"]["segment_comparison"].sort_values("compare_position")
    assert list(comparison["segment_key"]) == [key for _, key in ranked]
    catalog = built["first"]["marts"].catalog.dropna(subset=["recommended_rank"]).sort_values("recommended_rank")
    assert list(catalog["segment_key"]) == [key for _, key in ranked]
    summary_rows = built["first"]["insights"]["segment_summary"].set_index("segment_key")
    pairs = overlap(built["first"]["marts"])
    for row in comparison.itertuples():
        assert row.net_revenue == summary_rows.loc[row.segment_key, "net_revenue"]
        for position, other in enumerate(comparison["segment_key"], start=1):
            assert getattr(row, f"members_in_segment_{position}") == pairs.loc[(row.segment_key, other), "members_in_both"]
        assert is_null(row.members_in_segment_5) == (len(comparison) < 5)


def test_catalog_says_where_each_segment_is_used(built: dict[str, Any]) -> None:
    catalog = built["first"]["marts"].catalog.set_index("segment_key")
    # by a ref to its model and by name in another exposure's meta.segments: both, sorted
    assert catalog.loc["win_back_big_spenders", "used_in"] == "ad_platform_audience_sync, win_back_email_campaign"
    assert catalog.loc["cart_abandoners", "used_in"] == "ad_platform_audience_sync"
    assert is_null(catalog.loc["sunset_subscribed_non_engaged", "used_in"])


def test_summary_sql_operation_prints_the_sql_of_a_row(built: dict[str, Any]) -> None:
    """`dbt run-operation segment_summary_sql` prints SQL that, run on its own, gives the mart's row."""
    workspace: Workspace = built["workspace"]
    held = str(workspace.query("select max(as_of_date) as d from marts.dim_contacts").d[0].date())
    for key in ("cart_abandoners", "all_contacts"):
        result = workspace.dbt(
            "run-operation", "segment_summary_sql", "--args", json.dumps({"segment_key": key}), vars={"as_of_date": held}
        )
        assert result.ok, result.output[-3000:]
        sql = result.output.split("-- segment_summary_sql begin", 1)[1].split("-- segment_summary_sql end", 1)[0]
        sql = "\n".join(line.split(" ", 1)[1] if re.match(r"^\d\d:\d\d:\d\d ", line) else line for line in sql.splitlines())
        row = exact_query(workspace, sql)
        mart = exact_query(workspace, f"select * from marts.segment_summary where segment_key = '{key}'")
        pd.testing.assert_frame_equal(row, mart)
    unknown = workspace.dbt("run-operation", "segment_summary_sql", "--args", "{segment_key: nope}", vars={"as_of_date": held})
    assert not unknown.ok and "unknown segment 'nope'; segments: all_contacts, cart_abandoners" in unknown.output
    other_day = workspace.dbt(
        "run-operation", "segment_summary_sql", "--args", "{segment_key: cart_abandoners}", vars={"as_of_date": "2026-01-01"}
    )
    assert not other_day.ok and f"the marts hold as-of date {held}, not 2026-01-01" in other_day.output


def test_customers_export_files_read_back(built: dict[str, Any], tmp_path: Path) -> None:
    """The export reads the published marts (publish first; without them it says so)."""
    workspace: Workspace = built["workspace"]

    def export(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "orchestration.segment_export", *args],
            cwd=PROJECT_DIR, env=workspace.env(), capture_output=True, text=True, check=False,
        )

    unpublished = export("--out", str(tmp_path / "unpublished"))
    assert unpublished.returncode == 2 and "nothing is published at" in unpublished.stderr
    publish(workspace.database)
    columns = ["contact_id", "email", "country_code", "persona", "erfm_scores.persona", "engagement_score"]
    twice = export("--out", str(tmp_path / "twice"), "--columns", ",".join(columns))
    assert twice.returncode == 2 and "column(s) persona chosen twice" in twice.stderr
    columns[4] = "opportunity_group"
    plain = export("--out", str(tmp_path / "plain"), "--columns", ",".join(columns))
    assert plain.returncode == 0, plain.stdout + plain.stderr
    manifest = json.loads((tmp_path / "plain" / "manifest.json").read_text())
    catalog = workspace.query("select segment_key, status from marts.segments order by segment_key")
    members = workspace.query("select segment_key, contact_id from marts.segment_members")
    contacts = workspace.query("select contact_id, email, country_code from marts.dim_contacts").set_index("contact_id")
    held = str(workspace.query("select max(as_of_date) as d from marts.dim_contacts").d[0].date())
    assert [e["segment_key"] for e in manifest["segments"]] == list(catalog.query("status == 'active'").segment_key)
    assert manifest["as_of_date"] == held and manifest["columns"] == columns and manifest["hashed_email"] is False
    for entry in manifest["segments"]:
        expected_ids = sorted(members.query("segment_key == @entry['segment_key']").contact_id)
        assert entry["rows"] == len(expected_ids) and entry["as_of_date"] == held
        csv_path = tmp_path / "plain" / entry["files"]["csv"]["file"]
        parquet_path = tmp_path / "plain" / entry["files"]["parquet"]["file"]
        for path, kind in ((csv_path, "csv"), (parquet_path, "parquet")):
            assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["files"][kind]["sha256"]
        assert csv_path.read_text().splitlines()[0] == ",".join(columns)
        from_csv = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
        from_parquet = pd.read_parquet(parquet_path)
        assert list(from_csv.columns) == columns and list(from_parquet.columns) == columns
        # one row per member, ordered by contact_id, the same in both files
        assert list(from_csv.contact_id) == expected_ids == list(from_parquet.contact_id)
        for row in from_parquet.head(50).itertuples():
            wanted = contacts.loc[row.contact_id, "email"]
            assert (None if pd.isna(row.email) else row.email) == (None if pd.isna(wanted) else wanted)
        assert list(from_csv.email) == [("" if pd.isna(email) else email) for email in from_parquet.email]
    # the sunset suppressions: every contact of the mart, with its address and the reason, in both files
    suppressions = manifest["suppressions"]
    expected_suppressed = workspace.query(
        "select contact_id, suppression_reason from marts.sunset_suppressions order by contact_id"
    )
    assert suppressions["rows"] == len(expected_suppressed) > 0 and suppressions["as_of_date"] == held
    for kind in ("csv", "parquet"):
        path = tmp_path / "plain" / suppressions["files"][kind]["file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == suppressions["files"][kind]["sha256"]
        written = pd.read_csv(path, dtype=str, keep_default_na=False) if kind == "csv" else pd.read_parquet(path)
        assert list(written.columns) == suppressions["columns"] and "email" in suppressions["columns"]
        assert list(written.contact_id) == list(expected_suppressed.contact_id)
        assert list(written.suppression_reason) == list(expected_suppressed.suppression_reason)
    # a rerun writes the same bytes
    again = export("--out", str(tmp_path / "again"), "--columns", ",".join(columns))
    assert again.returncode == 0
    assert json.loads((tmp_path / "again" / "manifest.json").read_text()) == manifest

    # hashing: email leaves as the SHA-256 of the normalised address, no other PII may leave
    hashed = export("--out", str(tmp_path / "hashed"), "--hash-email", "--segment", "sofa_without_coffee_table")
    assert hashed.returncode == 0, hashed.stdout + hashed.stderr
    entry = json.loads((tmp_path / "hashed" / "manifest.json").read_text())["segments"][0]
    assert "email_sha256" in entry["columns"] and not {"email", "first_name", "last_name", "city"} & set(entry["columns"])
    frame = pd.read_parquet(tmp_path / "hashed" / "sofa_without_coffee_table.parquet")
    # a hashed (audience) export holds the reachable members only: subscribed, with an email
    reach = workspace.query(
        "select contact_id, is_subscribed and has_email as ok from marts.dim_contacts"
    ).set_index("contact_id")
    segment_ids = set(members.query("segment_key == 'sofa_without_coffee_table'").contact_id)
    assert set(frame.contact_id) == {c for c in segment_ids if reach.loc[c, "ok"]} and len(frame) > 10
    assert entry["rows"] == len(frame) and len(frame) < len(segment_ids)
    for row in frame.itertuples():
        address = contacts.loc[row.contact_id, "email"]
        assert row.email_sha256 == hashlib.sha256(address.strip().lower().encode()).hexdigest()
    everyone = export(
        "--out", str(tmp_path / "everyone"), "--hash-email", "--consent", "all", "--segment", "sofa_without_coffee_table"
    )
    assert everyone.returncode == 0
    assert len(pd.read_parquet(tmp_path / "everyone" / "sofa_without_coffee_table.parquet")) == len(segment_ids)
    assert json.loads((tmp_path / "everyone" / "manifest.json").read_text())["consent"] == "all"

    # a second export into the same folder replaces the first one's files: the manifest describes what is there
    narrowed = export("--out", str(tmp_path / "plain"), "--hash-email", "--segment", "cart_abandoners")
    assert narrowed.returncode == 0, narrowed.stderr
    assert sorted(path.name for path in (tmp_path / "plain").iterdir()) == [
        "cart_abandoners.csv", "cart_abandoners.parquet", "manifest.json"
    ]
    assert "email" not in pd.read_csv(tmp_path / "plain" / "cart_abandoners.csv").columns
    (tmp_path / "plain" / "notes.txt").write_text("mine")
    foreign = export("--out", str(tmp_path / "plain"))
    assert foreign.returncode == 2 and "holds files this export did not write (notes.txt)" in foreign.stderr
    assert (tmp_path / "plain" / "notes.txt").read_text() == "mine"

    # marts on two as-of dates (a build that stopped part-way) are refused, naming them
    # (publishing refuses such marts too, test_serving.py; here the published copy itself is split)
    split = tmp_path / "split.duckdb"
    shutil.copy(workspace.database, split)
    with duckdb.connect(str(publish(split).path)) as connection:
        connection.execute("update marts.dim_contacts set as_of_date = as_of_date + interval 1 day")
    refused = subprocess.run(
        [sys.executable, "-m", "orchestration.segment_export", "--out", str(tmp_path / "split")],
        cwd=PROJECT_DIR, env={**workspace.env(), "DUCKDB_PATH": str(split)}, capture_output=True, text=True, check=False,
    )
    assert refused.returncode == 2 and "the warehouse's marts disagree on the as-of date" in refused.stderr
    assert not (tmp_path / "split").exists()
    leaking = export("--out", str(tmp_path / "leak"), "--hash-email", "--columns", "contact_id,email,last_name")
    assert leaking.returncode == 2
    assert "no PII other than the hashed email may leave: remove dim_contacts.last_name" in leaking.stderr
    unknown = export("--out", str(tmp_path / "unknown"), "--columns", "contact_id,shoe_size")
    assert unknown.returncode == 2 and "unknown column 'shoe_size'" in unknown.stderr
    assert not any((tmp_path / name).exists() for name in ("twice", "leak", "unknown"))


def test_a_changed_definition_moves_its_last_updated_date(tmp_path_factory: pytest.TempPathFactory) -> None:
    """segments.definition_updated_date: the first as-of date of the current definition (its hash, kept per
    date in segment_definition_history). Built on day 1, then on day 8 with one condition edited: the edited
    segment was updated on day 8 and has a new hash, the others still say day 1; the description (not the
    condition) changing moves nothing."""
    workspace = Workspace(tmp_path_factory.mktemp("updated"))
    workspace.raw.mkdir(parents=True)
    workspace.generate("--contacts", "300", "--orders", "1500", "--events", "6000", "--end-date", "2026-06-30", "--seed", "3")
    first, later = dt.date(2026, 6, 20), dt.date(2026, 6, 27)
    workspace.build(select="+segments", vars={"as_of_date": first.isoformat()})
    before = workspace.query("select segment_key, definition_hash from marts.segments").set_index("segment_key").definition_hash
    # the edit is made in a copy of the project, which builds the same warehouse
    project = copy_dbt_project(tmp_path_factory.mktemp("project"))
    properties = project / "models" / "segments" / "_segments__models.yml"
    text = properties.read_text()
    edited = text.replace("- {event: add_to_cart, window: {last_days: 2}}", "- {event: add_to_cart, window: {last_days: 3}}")
    # another segment's description changes, not its condition
    edited = edited.replace('with an email open in the last 30 days.', 'who opened an email this month.')
    assert edited.count("last_days: 3}}") == text.count("last_days: 3}}") + 1 and "opened an email this month" in edited
    properties.write_text(edited)
    workspace = Workspace(workspace.root, project=project)
    workspace.build(select="+segments", vars={"as_of_date": later.isoformat()})
    after = workspace.query("select * from marts.segments").set_index("segment_key")
    updated = {key: pd.Timestamp(day).date() for key, day in after.definition_updated_date.items()}
    assert updated.pop("cart_abandoners") == later
    assert after.definition_hash["cart_abandoners"] != before["cart_abandoners"]
    assert set(updated.values()) == {first} and len(updated) >= 6
    assert after.description["most_engaged_champions_openers"].endswith("who opened an email this month.")
    assert all(after.definition_hash[key] == before[key] for key in updated)
    history = workspace.query("select as_of_date, count(*) as segments from marts.segment_definition_history group by 1")
    assert sorted(history.segments) == [len(after), len(after)]


def test_count_before_you_build(built: dict[str, Any], tmp_path: Path) -> None:
    """`make count`'s command on the built warehouse, no build: a saved segment's count equals its members,
    an unsaved condition's equals what a build would select, and a bad condition or another date stops
    with a message naming what is wrong."""
    workspace: Workspace = built["workspace"]
    env = {**workspace.env(), "DBT_TARGET_PATH": str(tmp_path / "target"), "DBT_LOG_PATH": str(tmp_path / "logs")}

    def count(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "orchestration.segment_count", *args], cwd=PROJECT_DIR, env=env,
                              capture_output=True, text=True, check=False)  # fmt: skip

    # the date of the warehouse's last build (other tests of this module build later days on it)
    built_on = workspace.query("select max(as_of_date) as d from intermediate.int_segment_contacts").d.item()
    built_on = pd.Timestamp(built_on).date()
    members = members_by_segment(workspace.query("select segment_key, contact_id from marts.segment_members"))
    saved = count("--segment", "win_back_big_spenders")
    assert saved.returncode == 0, saved.stderr
    expected_saved = len(members["win_back_big_spenders"])
    assert saved.stdout.startswith(f"segment win_back_big_spenders: {expected_saved:,} member(s) as of {built_on}")
    definition = tmp_path / "high_risk.yml"
    definition.write_text(
        "condition:\n  all:\n    - {score: churn_risk, op: eq, value: High}\n    - {subscription: subscribed}\n"
    )
    unsaved = count("--definition", str(definition))
    expected = workspace.query(
        "select count(*) as n from marts.customer_predictions as p inner join marts.dim_contacts as c using (contact_id)"
        " where p.churn_risk = 'High' and c.subscription_status = 'subscribed'"
    ).n.item()
    assert unsaved.returncode == 0, unsaved.stderr
    assert unsaved.stdout.startswith(f"the condition: {expected:,} member(s) as of {built_on}") and expected > 0
    bad = count("--condition", "{score: churn_risk, op: eq, value: Hi}")
    assert bad.returncode == 2
    assert "condition.score.value: unknown value 'Hi'; allowed: High, Medium, Low" in bad.stderr
    other_day = count("--segment", "win_back_big_spenders", "--as-of-date", "2020-01-01")
    assert other_day.returncode == 2 and f"the warehouse is built as of {built_on}, not 2020-01-01" in other_day.stderr
