#!/usr/bin/env python3
"""Writes the SQL that seeds counties and municipalities from reference/municipalities.csv.

The official list changes rarely (a new municipality code, a renamed county). When it does, update the CSV, add a
new migration in both migrations/sqlite and migrations/postgres with this script's output adapted to the change,
and the test `municipalities_match_the_reference_list` checks the result on both backends.

Usage: python3 reference/municipalities_sql.py > up.sql
"""
import csv
import pathlib

here = pathlib.Path(__file__).parent
rows = list(csv.DictReader(open(here / "municipalities.csv", encoding="utf-8")))


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


counties = sorted({(r["county_code"], r["county"]) for r in rows})
print("INSERT INTO counties (code, name) VALUES")
print(",\n".join(f"  ({quote(code)}, {quote(name)})" for code, name in counties) + ";")
print()
print("INSERT INTO municipalities (code, name, county_code, police_region) VALUES")
print(
    ",\n".join(
        f"  ({quote(r['municipality_code'])}, {quote(r['municipality'])}, {quote(r['county_code'])}, "
        f"{quote(r['police_region'])})"
        for r in rows
    )
    + ";"
)
