"""Planned against actual cumulative spend: matplotlib through its Qt backend (QtAgg).

Qt Charts is deprecated since Qt 6.10 and not in PySide6-Essentials, so the chart is drawn
by matplotlib on a ``FigureCanvasQTAgg``; it renders offscreen like any other widget.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_API", "pyside6")  # the binding the app uses, before the backend

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.dates import DateFormatter, MonthLocator, date2num
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter
from PySide6.QtWidgets import QSizePolicy, QWidget

from mdt_desktop.domain.budgets import format_pence
from mdt_desktop.services.budgets.screens import SpendPoint

PLANNED, ACTUAL, ALLOCATED = "#005eb8", "#c9410b", "#4c6272"  # NHS blue, warm orange, grey


def _pounds(value: float, _pos: object) -> str:
    return format_pence(round(value * 100)).split(".")[0]  # whole pounds on the axis


class SpendChart(FigureCanvasQTAgg):  # type: ignore[misc]
    """The chart widget; :meth:`show_series` draws a budget's points."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self.figure = Figure(figsize=(6, 3), dpi=96, layout="constrained")
        super().__init__(self.figure)
        self.setParent(parent)
        self.setAccessibleName("Planned against actual cumulative spend")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(220)
        self.axes = self.figure.add_subplot()
        self.summary = ""  # the chart in words, for its tooltip and screen readers

    def show_series(self, points: list[SpendPoint], allocated: int) -> None:
        ax = self.axes
        ax.clear()
        days = date2num([p.on for p in points])
        ax.plot(days, [p.planned / 100 for p in points], color=PLANNED, linewidth=2,
                label="Planned (from the budget lines)")  # fmt: skip
        done = [p for p in points if p.actual is not None]
        if done:
            spent = [(p.actual or 0) / 100 for p in done]
            ax.plot(date2num([p.on for p in done]), spent, color=ACTUAL, linewidth=2,
                    marker="o", markersize=3, label="Actually spent")  # fmt: skip
        if allocated:
            ax.axhline(allocated / 100, color=ALLOCATED, linestyle="--", linewidth=1,
                       label="Allocation")  # fmt: skip
        ax.yaxis.set_major_formatter(FuncFormatter(_pounds))
        # The days are passed as numbers (date2num), so the axis is told they are dates:
        # a tick on the first of every other month, named as such.
        ax.xaxis.set_major_locator(MonthLocator(interval=2))
        ax.xaxis.set_major_formatter(DateFormatter("%b %Y"))
        ax.tick_params(labelsize=8)
        ax.grid(True, color="#d8dde0", linewidth=0.6)
        top = max([allocated, *(p.planned for p in points), *(p.actual or 0 for p in points)])
        ax.set_ylim(0, max(top, 100) / 100 * 1.22)  # room above the allocation for the key
        ax.legend(loc="upper left", fontsize=8, frameon=False)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        self.figure.autofmt_xdate(rotation=0, ha="center")
        planned = points[-1].planned if points else 0
        actual = done[-1].actual if done and done[-1].actual is not None else 0
        self.summary = (
            f"Planned spend over the period {format_pence(planned)}; spent so far "
            f"{format_pence(actual)}; allocation {format_pence(allocated)}."
        )
        self.setToolTip(self.summary)
        self.setAccessibleDescription(self.summary)
        self.draw_idle()
