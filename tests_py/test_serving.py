"""Serving: the published file is complete, readable by DuckDB 1.x clients,
and the semantic layer's metrics equal the marts' figures exactly
(README "For BI tools"; docs/metrics.md)."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from conftest import BIN_DIR, PROJECT_DIR, Workspace
from orchestration import metrics
from orchestration.lib.publish import STORAGE_VERSION
from orchestration.metrics import SemanticLayer

pytestmark = pytest.mark.build

# The oldest and the newest DuckDB 1.x client (a BI driver's DuckDB), each installed from PyPI apart from
# the project's environment.
OLD_CLIENTS = ["1.0.0", "1.5.6"]


@pytest.fixture(scope="module")
def layer(sample_warehouse: Workspace, published_sample: Path) -> SemanticLayer:
    semantic = SemanticLayer(published_sample, sample_warehouse.root / "target" / "semantic_manifest.json")
    yield semantic
    semantic.close()


def frame(result: metrics.MetricResult) -> pd.DataFrame:
    return pd.DataFrame(result.rows, columns=result.columns)


def published_marts(published: Path) -> list[str]:
    with duckdb.connect(str(published), read_only=True) as connection:
        return [row[0] for row in connection.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_schema in ('marts', 'seeds') order by 1").fetchall()]  # fmt: skip


def test_the_published_file_holds_every_mart_as_built(sample_warehouse: Workspace, published_sample: Path) -> None:
    with duckdb.connect(str(published_sample), read_only=True) as reader:
        recorded = dict(reader.execute("select relation_name, row_count from publication.published_relations").fetchall())
        for name in published_marts(published_sample):
            served = reader.execute(f"select * from {name} order by all").df()
            built = sample_warehouse.query(f"select * from {name} order by all")
            pd.testing.assert_frame_equal(served, built, check_dtype=True)
            assert recorded[name] == len(built)
        comment = reader.execute(
            "select comment from duckdb_tables() where schema_name = 'marts' and table_name = 'rfm_scores'"
        ).fetchone()[0]
    working_marts = set(sample_warehouse.query(
        "select table_schema || '.' || table_name as name from information_schema.tables "
        "where table_schema in ('marts', 'seeds')").name)  # fmt: skip
    assert set(recorded) == working_marts and len(working_marts) > 40
    assert comment and comment.startswith("One row per"), "the marts' descriptions travel with them"


@pytest.mark.parametrize("version", OLD_CLIENTS)
def test_a_duckdb_1x_client_reads_every_published_mart(
    version: str, published_sample: Path, sample_warehouse: Workspace, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The file is written in DuckDB's v1.0.0 storage format; a client of that age reads every table and
    writes it to Parquet, and every table read back equals the working warehouse's, value for value."""
    environment = tmp_path_factory.mktemp(f"duckdb_{version}") / "venv"
    uv = BIN_DIR / "uv"
    subprocess.run([str(uv), "venv", "--quiet", "--python", str(BIN_DIR / "python"), str(environment)], check=True)
    subprocess.run([str(uv), "pip", "install", "--quiet", "--python", str(environment / "bin" / "python"),
                    f"duckdb=={version}"], check=True)  # fmt: skip
    out = environment.parent / "tables"
    out.mkdir()
    script = (
        "import duckdb, sys\n"
        "c = duckdb.connect(sys.argv[1], read_only=True)\n"
        "names = [r[0] for r in c.execute(\"select table_schema || '.' || table_name from information_schema.tables "
        "where table_schema in ('marts', 'seeds') order by 1\").fetchall()]\n"
        "for n in names:\n"
        "    c.execute(f\"copy (select * from {n}) to '{sys.argv[2]}/{n}.parquet' (format parquet)\")\n"
        "print(duckdb.__version__, len(names))\n"
    )
    result = subprocess.run([str(environment / "bin" / "python"), "-c", script, str(published_sample), str(out)],
                            capture_output=True, text=True, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    names = published_marts(published_sample)
    assert result.stdout.split() == [version, str(len(names))]
    with duckdb.connect() as reader:
        for name in names:
            read = reader.execute(f"select * from '{out}/{name}.parquet' order by all").df()
            built = sample_warehouse.query(f"select * from {name} order by all")
            pd.testing.assert_frame_equal(read, built, check_dtype=False, obj=name)
    assert STORAGE_VERSION == "v1.0.0"


def test_metric_queries_equal_the_marts(layer: SemanticLayer, sample_warehouse: Workspace) -> None:
    def query(sql: str) -> pd.DataFrame:
        """The marts' values as DuckDB returns them (decimals stay Decimal): compared exactly."""
        with duckdb.connect(str(sample_warehouse.database), read_only=True) as connection:
            cursor = connection.execute(sql)
            return pd.DataFrame(cursor.fetchall(), columns=[column[0] for column in cursor.description])

    personas = query("select * from marts.rfm_persona_summary").set_index("persona")
    by_persona = frame(layer.query(["revenue", "orders", "customers", "average_order_value", "revenue_per_customer"],
                                   ["contact__persona"])).set_index("contact__persona")  # fmt: skip
    customers = personas[personas.customers > 0]
    assert by_persona.loc[customers.index, "revenue"].tolist() == customers.revenue.tolist()
    assert by_persona.loc[customers.index, "orders"].tolist() == customers.valid_orders.tolist()
    assert by_persona.loc[customers.index, "customers"].tolist() == customers.customers.tolist()
    assert by_persona.loc[customers.index, "average_order_value"].round(2).tolist() == [
        float(value) for value in customers.average_order_value
    ]
    assert by_persona.loc[customers.index, "revenue_per_customer"].round(2).tolist() == [
        float(value) for value in customers.average_clv
    ]

    orders = query("select * from marts.fct_orders where is_valid_order")
    orders["month"] = pd.to_datetime(orders.ordered_date).dt.to_period("M").dt.to_timestamp()
    monthly = orders.groupby("month").agg(revenue=("net_revenue", "sum"), orders=("order_id", "size"),
                                          units=("units", "sum"))  # fmt: skip
    by_month = frame(layer.query(["revenue", "orders", "units_per_transaction"], ["metric_time__month"]))
    by_month = by_month.set_index(pd.to_datetime(by_month.metric_time__month)).sort_index()
    by_month = by_month[by_month.orders > 0]
    assert by_month.revenue.tolist() == monthly.revenue.tolist() and len(monthly) >= 12
    assert by_month.orders.tolist() == monthly.orders.tolist()
    assert by_month.units_per_transaction.tolist() == (monthly.units / monthly.orders).tolist()

    tiles = query("select engagement_level, sum(contacts) as contacts from marts.opportunity_tiles "
                  "where opportunity_group is not null group by 1").set_index("engagement_level").contacts  # fmt: skip
    levels = frame(layer.query(["opportunities"], ["contact__engagement_level"])).set_index("contact__engagement_level")
    assert {level: int(n) for level, n in levels.opportunities.items() if n} == {k: int(v) for k, v in tiles.items() if v}
    summary = query("select * from marts.opportunity_summary").iloc[0]
    assert frame(layer.query(["opportunities", "contacts"])).iloc[0].tolist() == [summary.opportunities, summary.contacts]

    engaged = query("select * from marts.engagement_status_summary").set_index("contact_group")
    by_status = frame(layer.query(["engaged_contacts", "contacts", "engaged_pct"], ["contact__subscription_status"]))
    by_status = by_status.set_index("contact__subscription_status")
    assert by_status.engaged_contacts.to_dict() == engaged.loc[by_status.index].engaged.to_dict()
    assert by_status.engaged_pct.to_dict() == pytest.approx(engaged.loc[by_status.index].pct_engaged.to_dict(), rel=1e-12)
    overall = frame(layer.query(["engaged_pct"])).iloc[0, 0]
    assert overall == pytest.approx(engaged.loc["All contacts"].pct_engaged, rel=1e-12)

    sizes = query("select segment_key, members from marts.segments").set_index("segment_key").members
    members = frame(layer.query(["segment_members"], ["segment"])).set_index("segment").segment_members
    assert members.to_dict() == {key: n for key, n in sizes.items() if n}
    history = query("select segment_key, sum(entered) as entered, sum(exited) as exited from marts.segment_sizes_history "
                    "group by 1").set_index("segment_key")  # fmt: skip
    changes = frame(layer.query(["segment_entered", "segment_exited"], ["segment"])).set_index("segment")
    for key, row in changes.iterrows():
        assert (row.segment_entered, row.segment_exited) == (history.entered[key], history.exited[key])


def readme_metric_examples() -> list[str]:
    readme = (PROJECT_DIR / "README.md").read_text()
    return re.findall(r'^make metrics ARGS="(.*)"$', readme.replace('\\"', '"'), flags=re.MULTILINE)


def test_the_readme_metric_examples_run_as_written(
    sample_warehouse: Workspace, published_sample: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    examples = readme_metric_examples()
    assert len(examples) >= 3, "README shows `make metrics` examples"
    manifest = sample_warehouse.root / "target" / "semantic_manifest.json"
    for example in examples:
        code = metrics.main([*shlex.split(example), "--semantic-manifest", str(manifest),
                             "--published-path", str(published_sample)])  # fmt: skip
        printed = capsys.readouterr()
        assert code == 0, (example, printed.err[-2000:])
        assert "rows, from" in printed.out
    assert metrics.main(["--metrics", "revenue", "--group-by", "contact__shoe_size", "--semantic-manifest", str(manifest),
                         "--published-path", str(published_sample)]) == 2  # fmt: skip
    assert "contact__shoe_size" in capsys.readouterr().err
    assert metrics.main(["--metrics", "revnue", "--semantic-manifest", str(manifest),
                         "--published-path", str(published_sample)]) == 2  # fmt: skip
    assert "unknown metric(s) revnue; metrics: average_order_value" in capsys.readouterr().err


def test_marts_on_two_as_of_dates_are_not_published(sample_warehouse: Workspace, tmp_path: Path) -> None:
    """A build that stopped part-way (or a run of part of the graph) leaves marts on two dates: publishing
    refuses, naming them, and the served file stays as it was."""
    from orchestration.lib.publish import PublishError, publish

    working = tmp_path / "warehouse.duckdb"
    shutil.copy(sample_warehouse.database, working)
    served = publish(working).path
    before = served.stat()
    with duckdb.connect(str(working)) as connection:
        connection.execute("update marts.segment_summary set as_of_date = as_of_date - interval 1 day")
        connection.execute("update marts.rfm_scores_history set as_of_date = as_of_date - interval 7 day")
    with pytest.raises(PublishError, match=r"the marts disagree on the as-of date \(dim_contacts: \d{4}-\d\d-\d\d; "
                                           r"segment_summary: \d{4}-\d\d-\d\d\)"):  # fmt: skip
        publish(working)
    after = served.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert not list(served.parent.glob(".*.publishing*")), "the half-written file is removed"
