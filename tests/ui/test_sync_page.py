"""The sync page before enrollment, and its error in place when the district is away."""

from __future__ import annotations

import socket


def test_sync_page_says_what_to_do_and_reports_an_unreachable_district(qtbot, ctx, monkeypatch):
    from station_app.ui.pages.sync import SyncPage
    from sync import client as client_module

    monkeypatch.setattr(client_module, "RETRIES", (0.01,))
    page = SyncPage(ctx)
    qtbot.addWidget(page)
    page.show()
    page.activate()
    assert "Not enrolled" in page.status.text()
    assert str(ctx.db.pending_count()) in page.status.text()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    page.form.widgets["server"].setText(f"http://127.0.0.1:{port}")
    page.form.widgets["enrollment_code"].setText("ABCD-EF01-2345-6789")
    page.sync_now(quiet=True)
    qtbot.waitUntil(lambda: page.running is None, timeout=15_000)
    assert "无法连接区总工会服务器" in page.status.text()  # in the clerk's language
    assert page.sync_button.isEnabled()
    # the address typed is remembered for the next try
    assert ctx.db.state()["district_server"] == f"http://127.0.0.1:{port}"
