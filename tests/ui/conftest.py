"""UI fixtures: a real database, a real AppContext and the main window, offscreen."""

from __future__ import annotations

import pytest


@pytest.fixture
def make_ctx(qapp, db, settings):
    """Build an AppContext for an actor (waits for background tasks at teardown)."""
    from station_app.ui.context import AppContext
    from station_app.ui.tasks import TaskRunner

    made = []

    def make(actor, lang: str = "zh"):
        ctx = AppContext(db=db, actor=actor, lang=lang, tasks=TaskRunner(db), settings=settings)
        made.append(ctx)
        return ctx

    yield make
    for ctx in made:
        ctx.tasks.wait()


@pytest.fixture
def ctx(make_ctx, admin):
    return make_ctx(admin)


@pytest.fixture
def window(qtbot, ctx):
    from station_app.ui.main_window import MainWindow

    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    ctx.tasks.wait()


@pytest.fixture(autouse=True)
def _english_translators(qapp):
    """Each UI test starts with the English source strings (a test that wants Chinese
    installs it), so no test depends on which ran before it."""
    from station_app.ui.i18n import install_language

    install_language(qapp, "en")
    yield
    install_language(qapp, "en")
