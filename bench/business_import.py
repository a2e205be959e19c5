"""How fast `samrad business import` reads and stores a large businesses CSV, and its peak memory.

Writes a CSV of N rows (one contact per business, every column filled, a Slack id on every tenth row)
into a temporary directory, migrates a fresh SQLite database there, and runs the command's own code
(`bot.cli.commands.businesses.business_import`) on it, twice: the first creates everything, the second
(the same file) finds everything unchanged. Prints rows/s for each and the process's peak resident memory.

    .venv/bin/python bench/business_import.py [--rows 100000]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.bench_support import HEADER, business_row


def write_csv(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8") as file:
        file.write(HEADER + "\n")
        for i in range(rows):
            file.write(business_row(i) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        csv_path = Path(directory) / "businesses.csv"
        write_csv(csv_path, args.rows)
        os.environ["SAMRAD_DATABASE_URL"] = f"sqlite:///{directory}/bench.db"
        from bot.cli.commands import businesses, setup
        from bot.settings import get_settings

        get_settings.cache_clear()  # the database URL was set just now
        setup.db_upgrade()
        for label in ("first import (creates)", "second import (unchanged)"):
            started, cpu = time.perf_counter(), time.process_time()
            summary = businesses.business_import(csv_path)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            print(f"{label}: {args.rows} rows in {elapsed:.1f} s = {args.rows / elapsed:,.0f} rows/s "
                  f"(CPU {cpu:.1f} s); {summary}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
