"""Great Expectations Data Docs that render with no internet.

GX's pages load Bootstrap, jQuery, bootstrap-table, Font Awesome, Vega and
their logos from public CDNs; offline they show an unstyled page without its
tables. After each build this module copies those files, at the versions the
pages name, into the site (`static/vendor/`) and points the pages at them.
The files come from the npm registry (`npm pack`, pinned versions below) once
per environment and are cached in `<sys.prefix>/share/customer_segments/`.
Logos become inline images. DECISIONS.md, "Data Docs offline".
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    files: tuple[str, ...]  # paths inside the package (directories copied whole)


# The CDN URLs of GX 1.24's templates, each with the package file that serves it.
PACKAGES = {
    "bootstrap": Package("bootstrap", "4.3.1", ("dist/css/bootstrap.min.css", "dist/js/bootstrap.min.js")),
    "jquery": Package("jquery", "3.7.1", ("dist/jquery.min.js",)),
    "popper": Package("popper.js", "1.12.9", ("dist/umd/popper.min.js",)),
    "bootstrap-table": Package("bootstrap-table", "1.19.1", (
        "dist/bootstrap-table.min.css", "dist/bootstrap-table.min.js",
        "dist/extensions/filter-control/bootstrap-table-filter-control.min.css",
        "dist/extensions/filter-control/bootstrap-table-filter-control.min.js",
    )),
    "bootstrap-datepicker": Package("bootstrap-datepicker", "1.9.0", (
        "dist/css/bootstrap-datepicker.min.css", "dist/js/bootstrap-datepicker.min.js",
    )),
    "fontawesome": Package("@fortawesome/fontawesome-free", "6.6.0", ("css", "webfonts")),
    "bootstrap-dark": Package("@forevolve/bootstrap-dark", "1.1.0", ("dist/css/bootstrap-prefers-dark.css",)),
    "vega": Package("vega", "5.33.1", ("build/vega.min.js",)),
    "vega-lite": Package("vega-lite", "5.23.0", ("build/vega-lite.min.js",)),
    "vega-embed": Package("vega-embed", "6.29.0", ("build/vega-embed.min.js",)),
}
URLS = {
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": ("bootstrap", "dist/css/bootstrap.min.css"),
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": ("bootstrap", "dist/js/bootstrap.min.js"),
    "https://code.jquery.com/jquery-3.7.1.min.js": ("jquery", "dist/jquery.min.js"),
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": ("popper", "dist/umd/popper.min.js"),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": ("bootstrap-table", "dist/bootstrap-table.min.css"),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": ("bootstrap-table", "dist/bootstrap-table.min.js"),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css": (
        "bootstrap-table", "dist/extensions/filter-control/bootstrap-table-filter-control.min.css"),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css": (
        "bootstrap-table", "dist/extensions/filter-control/bootstrap-table-filter-control.min.css"),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js": (
        "bootstrap-table", "dist/extensions/filter-control/bootstrap-table-filter-control.min.js"),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": (
        "bootstrap-datepicker", "dist/css/bootstrap-datepicker.min.css"),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": (
        "bootstrap-datepicker", "dist/js/bootstrap-datepicker.min.js"),
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": ("fontawesome", "css/all.min.css"),
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css": (
        "bootstrap-dark", "dist/css/bootstrap-prefers-dark.css"),
    "https://cdn.jsdelivr.net/npm/vega@5": ("vega", "build/vega.min.js"),
    "https://cdn.jsdelivr.net/npm/vega-lite@5": ("vega-lite", "build/vega-lite.min.js"),
    "https://cdn.jsdelivr.net/npm/vega-embed@6": ("vega-embed", "build/vega-embed.min.js"),
}  # fmt: skip
# GX's logos (and a tracking query string) from S3: an inline image instead.
LOGO_PATTERN = re.compile(r"https://great-expectations-web-assets\.s3\.[a-z0-9-]+\.amazonaws\.com/[^\"' )]*")
LOGO = (
    "data:image/svg+xml;utf8,<svg xmlns='http://www.w3.org/2000/svg' width='220' height='30'>"
    "<text x='0' y='21' font-family='sans-serif' font-size='16' fill='%23ff6310'>Great Expectations</text></svg>"
)
SRI_PATTERN = re.compile(r"""\s(?:integrity="[^"]*"|crossorigin="[^"]*"|crossorigin(?=[\s>]))""")
ANY_REMOTE_LOAD = re.compile(r"""(?:src|href)=["'](https?://[^"']+)["']""")


def cache_dir() -> Path:
    return Path(os.environ.get("DATA_DOCS_ASSETS_DIR") or Path(sys.prefix) / "share" / "customer_segments" / "data-docs")


def ensure_assets(cache: Path | None = None) -> Path:
    """The packages' files in the cache, fetched with `npm pack` when missing; returns the cache."""
    cache = cache or cache_dir()
    for key, package in PACKAGES.items():
        target = cache / key / package.version
        if (target / ".complete").exists():
            continue
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm is not installed: Data Docs cannot be made to work offline")
        with tempfile.TemporaryDirectory() as work:
            subprocess.run([npm, "pack", f"{package.name}@{package.version}", "--pack-destination", work, "--silent"],
                           check=True, capture_output=True, text=True, timeout=300)  # fmt: skip
            archive = next(Path(work).glob("*.tgz"))
            with tarfile.open(archive) as tar:
                tar.extractall(work, filter="data")
            root = Path(work) / "package"
            if target.exists():
                shutil.rmtree(target)
            for item in package.files:
                source = root / item
                destination = target / item
                destination.parent.mkdir(parents=True, exist_ok=True)
                if source.is_dir():
                    shutil.copytree(source, destination)
                else:
                    shutil.copy2(source, destination)
            (target / ".complete").touch()
    return cache


def make_offline(site: Path) -> list[str]:
    """Copies the assets into `site/static/vendor/` and rewrites every page of the site to load them; returns
    the remote URLs a page still loads (none when it worked). Leaves the site as GX wrote it, with a warning,
    when the assets cannot be fetched."""
    if not site.is_dir():
        return []
    try:
        cache = ensure_assets()
    except (RuntimeError, subprocess.SubprocessError, OSError, StopIteration) as error:
        LOGGER.warning("Data Docs keep their CDN links (they need the internet to render): %s", error)
        return []
    vendor = site / "static" / "vendor"
    for key, package in PACKAGES.items():
        destination = vendor / key
        if not destination.exists():
            shutil.copytree(cache / key / package.version, destination, ignore=shutil.ignore_patterns(".complete"))
    remaining: set[str] = set()
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        relative = os.path.relpath(vendor, page.parent)
        for url, (key, path) in URLS.items():
            text = text.replace(url, f"{relative}/{key}/{path}")
        text = LOGO_PATTERN.sub(LOGO, text)
        # Subresource-integrity and CORS attributes were for the CDN; on a file:// page they block the script.
        text = SRI_PATTERN.sub("", text)
        page.write_text(text, encoding="utf-8")
        remaining |= {url for url in ANY_REMOTE_LOAD.findall(text) if _is_loaded(text, url)}
    return sorted(remaining)


def _is_loaded(text: str, url: str) -> bool:
    """A script, stylesheet or image loads its URL; a link (<a href>) is only followed when clicked."""
    pattern = re.compile(r"<(script|link|img)\b[^>]*(?:src|href)=[\"']" + re.escape(url))
    return bool(pattern.search(text))
