"""Buttons offered by the one table of who may do what (``domain.permissions``).

The services check every action against that table; the client asks the same table
whether to offer a button, so a button a user cannot use is disabled, with a tooltip that
says who may (the table's own sentence, in the user's language) — never a button that
only fails when pressed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from station_app.domain.permissions import Decision, Record
    from station_app.ui.context import AppContext
    from station_app.ui.qt import QWidget


def offer(widget: QWidget, ctx: AppContext, action: str, record: Record | None = None, *,
          also: bool = True, tip: str = "", why_not: str = "") -> Decision:
    """Enable ``widget`` when the acting user may do ``action`` (to ``record``, or at all)
    and ``also`` holds (the page's own condition: a row selected, the file open …). Its
    tooltip is ``tip`` when allowed, else who may (``why_not`` when the page words it
    itself). Returns the decision."""
    decision = ctx.may(action, record)
    widget.setEnabled(bool(decision.ok and also))
    widget.setToolTip(tip if decision.ok else (why_not or decision.text(ctx.lang)))
    return decision
