"""Languages and fonts: zh_CN by default on a Chinese system, English one setting away.

Source strings are English inside ``tr()``; ``resources/translations/station_app_zh_CN.ts``
holds the Chinese, built to ``.qm`` by ``make translations`` (pyside6-lrelease). Qt's own
dialog strings come from Qt's ``qtbase_zh_CN.qm``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from station_app.ui.qt import (
    QT_TRANSLATE_NOOP,
    QApplication,
    QFont,
    QFontDatabase,
    QIcon,
    QLibraryInfo,
    QLocale,
    QTranslator,
)

# Qt's own words that PySide6's qtbase_zh_CN.qm lacks (its catalogue is older than the
# dialogs: "&Look in:" and "Files of &type:" of the file dialog, the type column's
# "Folder" …): kept in our catalogue under Qt's contexts, found there when Qt's has none
QT_WORDS_MISSING = (
    QT_TRANSLATE_NOOP("QFileDialog", "&Look in:"),
    QT_TRANSLATE_NOOP("QFileDialog", "Files of &type:"),
    QT_TRANSLATE_NOOP("QAbstractFileIconProvider", "Folder"),
    QT_TRANSLATE_NOOP("QAbstractFileIconProvider", "File"),
    QT_TRANSLATE_NOOP("QAbstractFileIconProvider", "Drive"),
    QT_TRANSLATE_NOOP("QAbstractFileIconProvider", "Unknown"),
)

CJK_FONTS = ("Microsoft YaHei UI", "Microsoft YaHei", "Noto Sans CJK SC", "Noto Sans SC",
             "Source Han Sans SC", "PingFang SC", "WenQuanYi Micro Hei", "SimSun")
_installed: list[QTranslator] = []


def resources_dir() -> Path:
    """``resources/``: inside a frozen build, beside the package in a checkout, or where a
    wheel install puts its data files (``<prefix>/share/station-app``)."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    checkout = Path(__file__).resolve().parents[2] / "resources"
    if checkout.is_dir():
        return checkout
    return Path(sys.prefix) / "share" / "station-app"


def app_icon() -> QIcon:
    """The application icon at every size drawn (resources/icons)."""
    icon = QIcon()
    for png in sorted((resources_dir() / "icons").glob("station-app-*.png")):
        icon.addFile(str(png))
    return icon


def system_lang() -> str:
    return "zh" if QLocale.system().name().lower().startswith("zh") else "en"


def normalize_lang(value: str | None) -> str | None:
    if not value:
        return None
    return "zh" if value.lower().startswith("zh") else "en"


def install_language(app: QApplication, lang: str) -> bool:
    """Switch the application's translators; True when the Chinese catalogue loaded."""
    for old in _installed:
        app.removeTranslator(old)
    _installed.clear()
    if not lang.startswith("zh"):
        QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
        return False
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    ours = QTranslator(app)
    ok = ours.load(str(resources_dir() / "translations" / "station_app_zh_CN.qm"))
    if ok:
        app.installTranslator(ours)
        _installed.append(ours)
    qt = QTranslator(app)
    if qt.load("qtbase_zh_CN", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt)
        _installed.append(qt)
    return ok


def setup_fonts(app: QApplication) -> str | None:
    """Prefer the system's CJK font; Qt's fallback handles the rest."""
    families = set(QFontDatabase.families())
    for name in CJK_FONTS:
        if name in families:
            font = QFont(name)
            font.setPointSize(max(app.font().pointSize(), 10))
            app.setFont(font)
            return name
    return None
