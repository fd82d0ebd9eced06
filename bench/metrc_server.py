"""Run the METRC double in its own process for benchmarks (so its CPU is not counted as ours).

Prints ``ready <base_url>`` once serving; seeds ``--packages`` packages spread over the last
``--days`` days of LastModified; stops when stdin closes.
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from decimal import Decimal

from tests.doubles.metrc import start_metrc_double


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--license", default="C10-0000999-LIC")
    parser.add_argument("--packages", type=int, default=0)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--tag-prefix", default="1A4BE")
    args = parser.parse_args()
    double = start_metrc_double(license_number=args.license)
    now = double.state.now()
    for n in range(args.packages):
        double.state.add_package(
            f"{args.tag_prefix}{n:019d}",
            f"Bench product {n % 400}",
            Decimal(1000),
            "Grams",
            last_modified=now - timedelta(days=n % args.days, minutes=n % 1440),
        )
    print(f"ready {double.base_url} {double.vendor_key} {double.user_key}", flush=True)
    sys.stdin.read()
    double.stop()


if __name__ == "__main__":
    main()
