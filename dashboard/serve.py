"""`make dashboard`: Streamlit on 127.0.0.1, headless, telemetry off, no file
watcher (a served dashboard, not a development server).

    python -m dashboard.serve --port 8501
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from orchestration.lib.warehouse import configure_environment

APP = Path(__file__).with_name("app.py")


def streamlit_command(port: int, address: str = "127.0.0.1") -> list[str]:
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.address", address, "--server.port", str(port), "--server.headless", "true",
        "--server.fileWatcherType", "none", "--server.runOnSave", "false",
        "--browser.gatherUsageStats", "false", "--global.developmentMode", "false",
        "--client.toolbarMode", "viewer", "--theme.base", "light",
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    configure_environment()
    parser = argparse.ArgumentParser(prog="python -m dashboard.serve", description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("DASHBOARD_PORT") or 8501))
    args = parser.parse_args(argv)
    command = streamlit_command(args.port)
    print(f"Dashboard on http://127.0.0.1:{args.port} (Ctrl-C stops it)", flush=True)
    os.execv(command[0], command)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
