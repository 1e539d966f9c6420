"""Draw the application icon (resources/icons/): PNG at the usual sizes and a Windows ICO.

The icon is painted with QPainter, so it needs no font and no SVG module; run it again
after changing the drawing:

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/make_icon.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QGuiApplication, QImage, QLinearGradient, QPainter, QPen

OUT = Path(__file__).resolve().parents[1] / "resources" / "icons"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def paint(size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = size / 256.0
    # a red tile, as the union's banners
    tile = QRectF(8 * s, 8 * s, 240 * s, 240 * s)
    red = QLinearGradient(QPointF(0, 0), QPointF(0, size))
    red.setColorAt(0.0, QColor("#e2372c"))
    red.setColorAt(1.0, QColor("#a8141a"))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QBrush(red))
    p.drawRoundedRect(tile, 44 * s, 44 * s)
    # a gold ring: the community the station serves
    if size >= 24:
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(QPen(QColor("#f6c443"), max(1.0, 12 * s)))
        p.drawEllipse(QRectF(40 * s, 40 * s, 176 * s, 176 * s))
    # 工 (work, the union's character) in white, drawn as three bars
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("#ffffff"))
    bar = 22 * s
    p.drawRoundedRect(QRectF(78 * s, 74 * s, 100 * s, bar), 4 * s, 4 * s)
    p.drawRoundedRect(QRectF(128 * s - bar / 2, 74 * s, bar, 108 * s), 4 * s, 4 * s)
    p.drawRoundedRect(QRectF(64 * s, 160 * s, 128 * s, bar), 4 * s, 4 * s)
    p.end()
    return image


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    OUT.mkdir(parents=True, exist_ok=True)
    for size in SIZES:
        if not paint(size).save(str(OUT / f"station-app-{size}.png")):
            raise SystemExit(f"could not write the {size} px icon")
    if not paint(256).save(str(OUT / "station-app.ico")):
        raise SystemExit("could not write the ICO (Qt's ico image format plugin)")
    print(f"icons written to {OUT}")
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
