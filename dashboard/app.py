"""The marketers' dashboard: `make dashboard` (Streamlit, http://127.0.0.1:$DASHBOARD_PORT).

Read-only over the published file (README "For BI tools"): it never opens the
working warehouse, so it never blocks a build, and a publish shows up at the
next page view. Everything it needs ships in the Python packages; it fetches
nothing from the internet. docs/serving.md describes each page.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

PROJECT_DIR = Path(__file__).resolve().parents[1]
if str(PROJECT_DIR) not in sys.path:  # `streamlit run dashboard/app.py` puts only dashboard/ on the path
    sys.path.insert(0, str(PROJECT_DIR))

from dashboard import pages  # noqa: E402
from dashboard.data import Served, file_version, served_file  # noqa: E402


@st.cache_resource(max_entries=2)
def _served(path: str, version: tuple[int, int]) -> Served:
    """One read-only connection per published version (a new publish has a new inode)."""
    return Served.open(Path(path))


def _icon() -> object:
    """The tab icon, drawn here: a Material or emoji icon would be fetched from a public CDN."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (32, 32), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    for index, (x, y) in enumerate(((2, 2), (17, 2), (2, 17), (17, 17))):
        draw.rounded_rectangle((x, y, x + 13, y + 13), radius=3, fill=(32, 96, 160, 255 if index != 3 else 120))
    return image


def main() -> None:
    st.set_page_config(page_title="Customer segments", page_icon=_icon(), layout="wide")
    path = served_file()
    if not path.is_file():
        st.error(f"Nothing is published at {path}. Run `make run` (it builds and publishes), then reload.")
        st.stop()
    served = _served(str(path), file_version(path))
    dates = served.history_dates()
    with st.sidebar:
        as_of = st.selectbox(
            "As-of date", dates, index=0, format_func=lambda value: value.isoformat(), key="as_of",
            help="The dates the history tables hold (rfm_scores_history, erfm_scores_history, segment_sizes_history).",
        )  # fmt: skip
        published_at = served.publication().published_at.max()
        st.caption(f"As of {served.published_as_of().isoformat()}, published {published_at:%Y-%m-%d %H:%M} UTC  \n{path}")
    navigation = st.navigation([
        st.Page(lambda: pages.opportunities(served, as_of), title="Opportunities", url_path="opportunities",
                icon=":material/grid_view:", default=True),
        st.Page(lambda: pages.personas(served, as_of, dates), title="Personas", url_path="personas",
                icon=":material/diversity_3:"),
        st.Page(lambda: pages.engagement(served), title="Engagement", url_path="engagement",
                icon=":material/mark_email_read:"),
        st.Page(lambda: pages.segments(served, as_of), title="Segments", url_path="segments",
                icon=":material/filter_alt:"),
        st.Page(lambda: pages.predictions(served), title="Predictions", url_path="predictions",
                icon=":material/trending_up:"),
    ])  # fmt: skip
    navigation.run()


main()
