"""Import a registered list or coded entries: pick, preview the mapping, run, see rejections."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.services import importing
from mdt_desktop.store.database import Store

from .background import Operation, run_in_background

FIELD_LABELS = {
    "nhs_number": "NHS number",
    "family_name": "family name",
    "given_name": "given name",
    "title": "title",
    "date_of_birth": "date of birth",
    "sex": "sex",
    "postcode": "postcode",
    "practice_code": "practice",
    "registration_date": "registration date",
    "date_of_death": "date of death",
    "code": "SNOMED CT code",
    "term": "term",
    "date": "date",
    "kind": "kind",
    "end_date": "end date",
}


class ImportDialog(QDialog):
    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.paths: list[Path] = []
        self.operation: Operation | None = None
        self.summary: Any = None
        self.setWindowTitle("Import a registered list")
        layout = QVBoxLayout(self)

        row = QHBoxLayout()
        self.files_label = QLabel("No files chosen. CSV exports from the GP system, or FHIR R4.")
        self.files_label.setWordWrap(True)
        choose = QPushButton("Choose files…")
        choose.clicked.connect(self.choose_files)
        folder = QPushButton("Choose a folder…")
        folder.clicked.connect(self.choose_folder)
        row.addWidget(self.files_label, 1)
        row.addWidget(choose)
        row.addWidget(folder)
        layout.addLayout(row)

        self.mapping_label = QLabel("")
        self.mapping_label.setWordWrap(True)
        layout.addWidget(self.mapping_label)
        self.preview = QTableWidget()
        self.preview.setObjectName("preview")
        self.preview.setMaximumHeight(220)
        layout.addWidget(self.preview)

        # Supplier exports that name the practice only by an organisation id (EMIS,
        # SystmOne, Vision) need its ODS code once; the import remembers it.
        self.practice_row = QWidget()
        practice_layout = QHBoxLayout(self.practice_row)
        practice_layout.setContentsMargins(0, 0, 0, 0)
        self.practice_label = QLabel("Practice ODS code for this export:")
        self.practice = QLineEdit()
        self.practice.setPlaceholderText("e.g. B86001")
        self.practice.setMaxLength(6)
        practice_layout.addWidget(self.practice_label)
        practice_layout.addWidget(self.practice)
        self.practice_row.setVisible(False)
        layout.addWidget(self.practice_row)
        # A layout the app does not know is mapped, not refused (gui/import_mapping).
        self.mapping_path: Path | None = None
        self.map_button = QPushButton("Map the columns…")
        self.map_button.setVisible(False)
        self.map_button.clicked.connect(self.map_columns)
        layout.addWidget(self.map_button)

        self.partial = QCheckBox(
            "These files are not whole practice lists (mark no one as having left)"
        )
        layout.addWidget(self.partial)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        layout.addWidget(self.progress)
        self.result_label = QLabel("")
        self.result_label.setWordWrap(True)
        self.result_label.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.result_label)
        self.rejections = QTableWidget(0, 4)
        self.rejections.setObjectName("rejections")
        self.rejections.setHorizontalHeaderLabels(["File", "Where", "Field", "Reason"])
        self.rejections.horizontalHeader().setStretchLastSection(True)
        self.rejections.setVisible(False)
        layout.addWidget(self.rejections, 1)

        buttons = QHBoxLayout()
        self.save_button = QPushButton("Save rejections as CSV…")
        self.save_button.setVisible(False)
        self.save_button.clicked.connect(self.save_rejections)
        self.import_button = QPushButton("Import")
        self.import_button.setObjectName("primary")
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel import")
        self.cancel_button.setVisible(False)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.reject)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        for button in (self.import_button, self.cancel_button, self.close_button):
            buttons.addWidget(button)
        layout.addLayout(buttons)
        self.resize(900, 640)

    # --- choosing and previewing -----------------------------------------------------------

    def choose_files(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(
            self, "Files to import", "", "Registered lists (*.csv *.txt *.json *.ndjson)"
        )
        if names:
            self.set_paths([Path(n) for n in names])

    def choose_folder(self) -> None:
        name = QFileDialog.getExistingDirectory(self, "Folder to import")
        if name:
            self.set_paths([Path(name)])

    def set_paths(self, paths: list[Path]) -> None:
        from mdt_desktop.interop import csv_list
        from mdt_desktop.interop.records import UnreadableFile
        from mdt_desktop.services.importing import expand_paths

        self.result_label.setText("")
        try:
            files = expand_paths(paths)
        except UnreadableFile as exc:
            self.mapping_label.setText(f"<b>{exc}</b>")
            self.import_button.setEnabled(False)
            return
        self.paths = paths
        self.files_label.setText(", ".join(f.name for f in files))
        first_csv = next((f for f in files if f.suffix.lower() in (".csv", ".txt")), None)
        self.preview.clear()
        if first_csv is None:
            self.mapping_label.setText(
                f"{len(files)} FHIR file(s): Patient, Condition, Encounter and medication "
                "resources will be read."
            )
            self.preview.setRowCount(0)
            self.preview.setColumnCount(0)
            self.import_button.setEnabled(True)
            return
        try:
            info = csv_list.preview(first_csv)
        except UnreadableFile as exc:
            self.mapping_label.setText(f"<b>{exc}</b>")
            self.import_button.setEnabled(False)
            return
        self.map_button.setVisible(False)
        self.mapping_path = None
        if info["kind"] is None:
            from mdt_desktop.interop.layouts import mapping_for

            from .import_mapping import mappings_dir

            head = csv_list.decode(first_csv.read_bytes()[:65536], first_csv.name)
            saved = mapping_for(head.split("\n", 1)[0].rstrip("\r"), mappings_dir())
            if saved is not None:
                self.mapping_path = saved[0]
                self.mapping_label.setText(
                    f"{first_csv.name} is read with the saved mapping <b>{saved[1].name}</b> "
                    f"(dates as {' or '.join(saved[1].date_formats)})."
                )
                self.import_button.setEnabled(True)
            else:
                self.mapping_label.setText(
                    f"<b>{first_csv.name}: unknown columns, a layout the app does not "
                    "know.</b> Map its columns "
                    "to fields (the mapping is saved for next time), or export the list with "
                    "NHS Number, Surname and Date of Birth columns."
                )
                self.map_button.setVisible(True)
                self.import_button.setEnabled(False)
        else:
            kind = "registered list" if info["kind"] == "patients" else "coded entries"
            ignored = ", ".join(info["ignored"]) or "none"
            layout = (
                f" in the {info['layout_label']} layout (dates as "
                f"{' or '.join(info['date_formats'])})"
                if info.get("layout_label")
                else ""
            )
            self.mapping_label.setText(
                f"{first_csv.name} reads as a <b>{kind}</b>{layout}. Columns not used: {ignored}."
            )
            self.practice_row.setVisible(info.get("practice_from") == "organisation_id")
            self.import_button.setEnabled(True)
        headers = info["headers"]
        self.preview.setColumnCount(len(headers))
        self.preview.setHorizontalHeaderLabels(
            [
                f"{h}\n→ {FIELD_LABELS[info['mapping'][h]]}"
                if h in info["mapping"]
                else f"{h}\n(not used)"
                for h in headers
            ]
        )
        self.preview.setRowCount(len(info["rows"]))
        for r, row in enumerate(info["rows"]):
            for c, value in enumerate(row[: len(headers)]):
                self.preview.setItem(r, c, QTableWidgetItem(value))
        self.preview.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )

    # --- running -----------------------------------------------------------------------------

    def map_columns(self) -> None:
        from mdt_desktop.services.importing import expand_paths

        from .import_mapping import MappingDialog

        files = expand_paths(self.paths)
        first_csv = next((p for p in files if p.suffix.lower() in (".csv", ".txt")), None)
        if first_csv is None:
            return
        dialog = MappingDialog(first_csv, self)
        if dialog.exec() and dialog.saved_path is not None:
            self.set_paths(list(self.paths))

    def start(self) -> Operation:
        from mdt_desktop.services.importing import import_files
        from mdt_desktop.services.users import current_user

        user = current_user(self.store)
        team_id = user.team_id if user else None
        paths, partial = list(self.paths), self.partial.isChecked()
        practice = self.practice.text().strip().upper() or None
        mapping = self.mapping_path
        self.import_button.setEnabled(False)
        self.close_button.setEnabled(False)
        self.cancel_button.setVisible(True)
        self.progress.setVisible(True)
        self.progress.setRange(0, 0)

        def work(progress: Any) -> Any:
            return import_files(
                self.store,
                paths,
                partial=partial,
                team_id=team_id,
                practice=practice,
                mapping=mapping,
                progress=lambda stage, done, total: progress.report(done, total, stage),
                should_cancel=lambda: progress.cancelled,
            )

        def progressed(done: int, total: int, stage: str) -> None:
            self.progress.setRange(0, max(total, 1))
            self.progress.setValue(done)
            self.progress.setFormat(f"{stage}: {done:,} of {total:,}")

        self.operation = run_in_background(
            self,
            work,
            on_success=self._done,
            on_failure=self._failed,
            on_progress=progressed,
            label="The import",
        )
        self.cancel_button.clicked.connect(self.operation.cancel)
        return self.operation

    def _finish_ui(self) -> None:
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)
        self.close_button.setEnabled(True)
        self.import_button.setEnabled(True)

    def _failed(self, exc: BaseException) -> None:
        self._finish_ui()
        self.result_label.setText(f"<b>Nothing was imported.</b> {exc}")

    def _done(self, summary: Any) -> None:
        self._finish_ui()
        self.summary = summary
        self.result_label.setText(
            f"<b>Imported.</b> {summary.read:,} people read: {summary.inserted:,} new, "
            f"{summary.updated:,} updated, {summary.unchanged:,} unchanged, "
            f"{summary.left:,} marked as left the list. {summary.coded_inserted:,} coded "
            f"entries added. <b>{summary.rejected:,} rows rejected.</b>"
            + (
                " Layout: "
                + ", ".join(f"{f} as {name}" for f, name in summary.layouts.items())
                + "."
                if summary.layouts
                else ""
            )
        )
        self.rejections.setVisible(bool(summary.rejections))
        self.save_button.setVisible(bool(summary.rejections))
        shown = summary.rejections[:5000]
        self.rejections.setRowCount(len(shown))
        for r, rejection in enumerate(shown):
            for c, value in enumerate(
                (rejection.file, rejection.where, rejection.field, rejection.reason)
            ):
                self.rejections.setItem(r, c, QTableWidgetItem(value))

    def save_rejections(self, path: Path | None = None) -> Path | None:
        if self.summary is None:
            return None
        if path is None:
            name, _ = QFileDialog.getSaveFileName(
                self, "Save rejections", "import-rejections.csv", "CSV (*.csv)"
            )
            if not name:
                return None
            path = Path(name)
        importing.write_rejections(self.summary, path)
        return path
