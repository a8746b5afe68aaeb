#!/usr/bin/env python3
"""Generate sample_data/classifications/countries.csv (ISO 3166-1 alpha-2 with fi/sv/en names).

Run once (the output is committed reference data, not built at run time):

    pip install -r tests/readers/requirements.txt
    python3 tests/readers/make_countries.py [OUTPUT_CSV]

Source: the Debian iso-codes database (ISO 3166-1 and its translations) as shipped in the
PyPI package `pycountry` (iso-codes and pycountry: LGPL-2.1). English names are the
`common_name` where iso-codes has one (e.g. "South Korea", "Iran"), else the `name`; Finnish
and Swedish names are the iso-codes translations of that same English name, falling back to
the translation of `name` when the common name has none.
"""
import csv
import gettext
import sys
from pathlib import Path

import pycountry

DEFAULT_OUTPUT = Path(__file__).resolve().parents[2] / "sample_data" / "classifications" / "countries.csv"


def translator(language):
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])


def label(country, catalog):
    common = getattr(country, "common_name", None)
    if common and (catalog is None or common in catalog._catalog):
        return catalog.gettext(common) if catalog else common
    if catalog is None:
        return country.name
    return catalog.gettext(country.name)


def main():
    output = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUTPUT
    fi, sv = translator("fi"), translator("sv")
    rows = []
    for country in sorted(pycountry.countries, key=lambda c: c.alpha_2):
        names = [label(country, fi), label(country, sv), label(country, None)]
        for name in names:
            if not name or '"' in name or "\n" in name:
                sys.exit(f"{country.alpha_2}: unusable name {name!r}")
        rows.append([country.alpha_2, *names])
    with open(output, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["code", "name_fi", "name_sv", "name_en"])
        writer.writerows(rows)
    print(f"{output}: {len(rows)} countries (pycountry {pycountry.__version__ if hasattr(pycountry, '__version__') else ''})")


if __name__ == "__main__":
    main()
