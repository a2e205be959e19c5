"""How fast `samrad business import` reads and stores a large businesses CSV, and its peak memory.

Writes a CSV of N rows (one contact per business, every column filled, a Slack id on every tenth row)
into a temporary directory, migrates a fresh SQLite database there, and runs the command's own code
(`bot.cli.commands.business_import`) on it, twice: the first creates everything, the second (the same
file) finds everything unchanged. Prints rows/s for each and the process's peak resident memory.

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

from conversations.org_numbers import luhn_check_digit

HEADER = "org_number,name,industry,area,tags,contact_name,contact_email,contact_phone,language,slack_user_id,teams_webhook_url"


def org_number(index: int) -> str:
    first_nine = f"55{index:07d}"
    return f"{first_nine[:6]}-{first_nine[6:]}{luhn_check_digit(first_nine)}"


def write_csv(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8") as file:
        file.write(HEADER + "\n")
        for i in range(rows):
            slack = f"U{i:08d}" if i % 10 == 0 else ""
            file.write(
                f"{org_number(i)},Företag {i} AB,{56100 + i % 50},Område {i % 20},tagg{i % 7};kafé,"
                f"Person {i},person{i}@foretag{i}.example,08-{100000 + i},sv,{slack},\n"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        csv_path = Path(directory) / "businesses.csv"
        write_csv(csv_path, args.rows)
        os.environ["SAMRAD_DATABASE_URL"] = f"sqlite:///{directory}/bench.db"
        from bot.cli import commands
        from bot.settings import get_settings

        get_settings.cache_clear()  # the database URL was set just now
        commands.db_upgrade()
        for label in ("first import (creates)", "second import (unchanged)"):
            started = time.perf_counter()
            summary = commands.business_import(csv_path)
            elapsed = time.perf_counter() - started
            print(f"{label}: {args.rows} rows in {elapsed:.1f} s = {args.rows / elapsed:,.0f} rows/s; {summary}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
