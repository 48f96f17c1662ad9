"""Map the columns of a list in a layout the app does not know, preview, save by name.

The person picks a field for each column (with sample values beside it) and the date
format; the first rows are shown as they would be stored (or with the reason each would be
rejected); the mapping is saved under its name and used for this import and the next.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.interop import csv_list, layouts
from mdt_desktop.interop.records import UnreadableFile
from mdt_desktop.paths import user_data_dir

PATIENT_FIELDS = {
    "nhs_number": "NHS number",
    "family_name": "family name",
    "given_name": "given name",
    "title": "title",
    "date_of_birth": "date of birth",
    "sex": "sex",
    "postcode": "postcode",
    "practice_code": "practice (ODS code)",
    "registration_date": "registration date",
    "date_of_death": "date of death",
}
DATE_FORMATS = {
    "%d/%m/%Y": "14/03/1941",
    "%Y-%m-%d": "1941-03-14",
    "%d %b %Y": "14 Mar 1941",
    "%d-%b-%Y": "14-Mar-1941",
    "%d.%m.%Y": "14.03.1941",
    "%Y%m%d": "19410314",
}
SAMPLE_ROWS = 8


def mappings_dir() -> Path:
    folder = user_data_dir() / "mappings"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class MappingDialog(QDialog):
    """One file's columns, each mapped to a field; Save keeps the mapping by name."""

    def __init__(self, path: Path, parent: QWidget | None = None, folder: Path | None = None):
        super().__init__(parent)
        self.setWindowTitle("Map the columns of this list")
        self.path = path
        self.folder = folder or mappings_dir()
        self.saved_path: Path | None = None
        data = path.read_bytes()
        self.head = b"".join(data.splitlines(keepends=True)[: SAMPLE_ROWS + 1])
        text = csv_list.decode(self.head, path.name)
        sample = text.split("\n", 1)[0]
        self.delimiter = ";" if sample.count(";") > sample.count(",") else ","
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=self.delimiter))
        self.headers = [h.strip() for h in (rows[0] if rows else [])]
        self.samples = rows[1:]

        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                f"<b>{path.name}</b> is in a layout the app does not know. Say what each "
                "column holds; NHS number, family name and date of birth are needed."
            )
        )
        form = QFormLayout()
        self.choices: dict[str, QComboBox] = {}
        for index, header in enumerate(self.headers):
            combo = QComboBox()
            combo.addItem("(not used)", None)
            for field, label in PATIENT_FIELDS.items():
                combo.addItem(label, field)
            guess = self._guess(header)
            if guess:
                combo.setCurrentIndex(combo.findData(guess))
            combo.currentIndexChanged.connect(self.refresh)
            values = ", ".join(r[index] for r in self.samples[:3] if index < len(r))
            form.addRow(f"{header}  ({values})", combo)
            self.choices[header] = combo
        self.date_format = QComboBox()
        for fmt, example in DATE_FORMATS.items():
            self.date_format.addItem(f"{example}  ({fmt})", fmt)
        self.date_format.currentIndexChanged.connect(self.refresh)
        form.addRow("Dates are written as", self.date_format)
        self.name = QLineEdit(re.sub(r"[^a-z0-9-]+", "-", path.stem.lower()).strip("-") or "list")
        form.addRow("Save this mapping as", self.name)
        layout.addLayout(form)

        self.status = QLabel("")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.preview = QTableWidget()
        layout.addWidget(self.preview)
        buttons = QHBoxLayout()
        self.save_button = QPushButton("Save mapping and use it")
        self.save_button.clicked.connect(self.save)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.save_button)
        layout.addLayout(buttons)
        self.refresh()

    @staticmethod
    def _guess(header: str) -> str | None:
        wanted = re.sub(r"\s+", " ", header.lower())
        for field, spellings in csv_list.PATIENT_HEADERS.items():
            if wanted in spellings:
                return field
        return None

    def mapping(self) -> dict[str, Any]:
        columns = {
            combo.currentData(): header
            for header, combo in self.choices.items()
            if combo.currentData() is not None
        }
        return {
            "name": self.name.text().strip(),
            "label": f"Saved mapping {self.name.text().strip()}",
            "header": True,
            "delimiter": self.delimiter,
            "columns": columns,
            "date_formats": [self.date_format.currentData()],
            "practice": {"from": "column", "column": columns.get("practice_code")},
        }

    def refresh(self) -> None:
        """Show the first rows as they would be stored, or why the mapping cannot be used."""
        self.preview.setRowCount(0)
        try:
            layouts.check_mapping(self.mapping())
            parsed, headers, rows = csv_list.open_csv(
                self.path, self.head, {"mapping_data": self.mapping()}
            )
            stored = list(csv_list.iter_patients(parsed, headers, rows, date.today()))
        except (layouts.LayoutError, UnreadableFile) as exc:
            self.status.setText(f"<b>{exc}</b>")
            self.save_button.setEnabled(False)
            return
        self.save_button.setEnabled(True)
        self.status.setText(
            f"The first {len(stored) + len(parsed.rejections)} rows: {len(stored)} as they "
            f"would be stored, {len(parsed.rejections)} rejected."
        )
        shown = ["NHS number", "family name", "given name", "date of birth", "sex", "or why not"]
        self.preview.setColumnCount(len(shown))
        self.preview.setHorizontalHeaderLabels(shown)
        lines: list[list[str]] = [
            [row[0] or "", row[4], row[5] or "", row[6], row[7], ""] for row in stored
        ]
        lines += [["", "", "", "", "", f"{r.where}: {r.reason}"] for r in parsed.rejections]
        self.preview.setRowCount(len(lines))
        for r, line in enumerate(lines):
            for c, value in enumerate(line):
                self.preview.setItem(r, c, QTableWidgetItem(value))

    def save(self) -> None:
        data = self.mapping()
        try:
            layouts.save_mapping(data, self.folder / f"{data['name']}.json")
        except layouts.LayoutError as exc:
            self.status.setText(f"<b>{exc}</b>")
            return
        self.saved_path = self.folder / f"{data['name']}.json"
        self.accept()
