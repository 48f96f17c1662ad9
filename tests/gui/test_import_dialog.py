"""The import dialog: preview with the column mapping, progress, rejections, cancel."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import func, select

from mdt_desktop.gui.import_dialog import ImportDialog
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import ImportRecord, Patient


def _list(tmp_path: Path, good: int, bad: int = 0) -> Path:
    from mdt_desktop.domain.nhs_number import iter_test_numbers

    numbers = iter_test_numbers()
    lines = ["NHS No,Surname,Forename,DOB,Gender,ODS Code,Ethnicity"]
    for i in range(good):
        lines.append(f"{next(numbers)},Family{i},Given,01/02/1950,F,B86001,Not stated")
    for _ in range(bad):
        lines.append(f"{next(numbers)},,Nofamily,01/02/1950,F,B86001,")
    path = tmp_path / "practice-list.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_preview_import_and_rejection_report(qtbot, store: Store, user, tmp_path) -> None:
    dialog = ImportDialog(store)
    qtbot.addWidget(dialog)
    dialog.set_paths([_list(tmp_path, 40, bad=3)])
    assert "registered list" in dialog.mapping_label.text()
    assert "Ethnicity" in dialog.mapping_label.text()  # not used, and said so
    header = dialog.preview.horizontalHeaderItem(0).text()
    assert header == "NHS No\n→ NHS number"
    assert dialog.preview.rowCount() == 8 and dialog.import_button.isEnabled()

    op = dialog.start()
    with qtbot.waitSignal(op.finished, timeout=30_000):
        pass
    qtbot.waitUntil(lambda: dialog.summary is not None)
    assert dialog.summary.inserted == 40 and dialog.summary.rejected == 3
    assert "3 rows rejected" in dialog.result_label.text()
    assert dialog.rejections.rowCount() == 3
    assert dialog.rejections.item(0, 3).text() == "missing family name"
    saved = dialog.save_rejections(tmp_path / "rejections.csv")
    rows = list(csv.reader(saved.open(encoding="utf-8")))
    assert rows[0] == ["file", "where", "field", "reason"] and len(rows) == 4
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(ImportRecord)) == 1


def test_unknown_columns_cannot_be_imported(qtbot, store: Store, tmp_path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("Colour,Size\nred,3\n")
    dialog = ImportDialog(store)
    qtbot.addWidget(dialog)
    dialog.set_paths([path])
    assert "unknown columns" in dialog.mapping_label.text()
    assert not dialog.import_button.isEnabled()


def test_cancel_leaves_nothing_half_written(qtbot, store: Store, user, tmp_path) -> None:
    dialog = ImportDialog(store)
    qtbot.addWidget(dialog)
    dialog.set_paths([_list(tmp_path, 30_000)])
    op = dialog.start()
    op.cancel()
    with qtbot.waitSignal(op.finished, timeout=60_000):
        pass
    qtbot.waitUntil(lambda: "Nothing was imported" in dialog.result_label.text())
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Patient)) == 0
        assert s.scalar(select(func.count()).select_from(ImportRecord)) == 0


def test_a_big_import_reads_in_other_processes_from_the_dialog(
    qtbot, store: Store, user, tmp_path, monkeypatch
) -> None:
    """Files big enough are read by reading processes started from the dialog's worker."""
    from mdt_desktop.services import importing

    monkeypatch.setattr(importing, "PARALLEL_BYTES", 0)  # these files count as big
    people = _list(tmp_path, 3000, bad=2)
    numbers = [row[0] for row in csv.reader(people.open(encoding="utf-8"))][1:3001]
    coded = tmp_path / "coded.csv"
    coded.write_text(
        "NHS Number,SNOMED CT Code,Term,Date\n"
        + "".join(f"{n},38341003,Hypertension,01/01/2010\n" for n in numbers),
        encoding="utf-8",
    )
    dialog = ImportDialog(store)
    qtbot.addWidget(dialog)
    dialog.set_paths([people, coded])
    seen: list[tuple[int, int]] = []
    op = dialog.start()
    op.signals.progress.connect(
        lambda done, total, stage: seen.append((done, total)) if stage == "coded entries" else None
    )
    with qtbot.waitSignal(op.finished, timeout=60_000):
        pass
    qtbot.waitUntil(lambda: dialog.summary is not None)
    assert dialog.summary.inserted == 3000 and dialog.summary.coded_inserted == 3000
    assert dialog.summary.rejected == 2
    assert seen and seen[-1][0] == seen[-1][1] == 3002 + 3000  # the bar ended full


def test_a_supplier_export_asks_for_the_practice_once(qtbot, store: Store, user, tmp_path) -> None:
    from mdt_desktop.services.importing import practice_map

    header = ("RowIdentifier,IDOrganisationVisibleTo,Title,FirstName,MiddleNames,Surname,"
              "PreviousSurname,NHSNumber,DateBirth,DateDeath,BirthPlace,Gender,SpeaksEnglish,"
              "EmailAddress,TestPatient,SSRef,SpineMatched")  # fmt: skip
    path = tmp_path / "SRPatient.csv"
    path.write_bytes(
        (header + "\r\n1,777,Mrs,Zoë,,Ellis,,9990000018,14 Mar 1941,,,F,Y,,N,,Y\r\n").encode(
            "cp1252"
        )
    )
    dialog = ImportDialog(store)
    qtbot.addWidget(dialog)
    dialog.set_paths([path])
    assert "TPP SystmOne" in dialog.mapping_label.text()
    assert "%d %b %Y" in dialog.mapping_label.text()
    assert not dialog.practice_row.isHidden()
    dialog.practice.setText("b86001")
    op = dialog.start()
    with qtbot.waitSignal(op.finished, timeout=30_000):
        pass
    qtbot.waitUntil(lambda: dialog.summary is not None)
    assert dialog.summary.inserted == 1
    assert "SRPatient.csv as systmone-srpatient" in dialog.result_label.text()
    assert practice_map(store) == {"777": "B86001"}


def test_an_unknown_layout_is_mapped_previewed_saved_and_reused(
    qtbot, store: Store, user, tmp_path, monkeypatch
) -> None:
    from mdt_desktop.gui.import_mapping import MappingDialog

    monkeypatch.setenv("MDT_DATA_DIR", str(tmp_path / "data"))
    path = tmp_path / "B86001-export.csv"
    path.write_text(
        "Patient NHS;Family;Given;Born\n9990000018;Ellis;Ada;14.03.1941\n"
        "9990000026;Khan;Bo;1.1.41\n"
    )
    dialog = ImportDialog(store)
    qtbot.addWidget(dialog)
    dialog.set_paths([path])
    assert "does not know" in dialog.mapping_label.text()
    assert not dialog.map_button.isHidden() and not dialog.import_button.isEnabled()

    mapping = MappingDialog(path, dialog)
    qtbot.addWidget(mapping)
    assert not mapping.save_button.isEnabled()  # nothing mapped yet: the reason is shown
    for header, field in (("Patient NHS", "nhs_number"), ("Family", "family_name"),
                          ("Given", "given_name"), ("Born", "date_of_birth")):  # fmt: skip
        combo = mapping.choices[header]
        combo.setCurrentIndex(combo.findData(field))
    mapping.date_format.setCurrentIndex(mapping.date_format.findData("%d.%m.%Y"))
    mapping.name.setText("practice-export")
    assert mapping.save_button.isEnabled()
    assert mapping.preview.rowCount() == 2
    assert mapping.preview.item(0, 1).text() == "Ellis"
    assert mapping.preview.item(0, 3).text() == "1941-03-14"
    assert "two-digit year" in mapping.preview.item(1, 5).text()
    mapping.save()
    assert mapping.saved_path == tmp_path / "data" / "mappings" / "practice-export.json"

    # Next time the same export is read with the saved mapping, by name.
    dialog.set_paths([path])
    assert "saved mapping <b>practice-export</b>" in dialog.mapping_label.text()
    op = dialog.start()
    with qtbot.waitSignal(op.finished, timeout=30_000):
        pass
    qtbot.waitUntil(lambda: dialog.summary is not None)
    assert dialog.summary.inserted == 1 and dialog.summary.rejected == 1
    assert dialog.summary.layouts == {path.name: "practice-export"}
