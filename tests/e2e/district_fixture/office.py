"""Office workbooks as a district's clerks keep them, written by LibreOffice.

A sheet is plain Python: rows of cells, each cell a ``str`` (a text cell), an ``int`` or
``float`` (a number cell), a :class:`DateCell` (a real date, shown in one of the display
formats offices use), a :class:`Money` (a number shown with two decimals), a
:class:`CutNumber` (digits typed into a number cell, which a spreadsheet keeps to 15
significant digits: an ID number so stored has lost its last digits), a :class:`Title`
(a merged title cell across the sheet) or ``None`` (an empty cell).

``write_workbooks`` writes each workbook as flat ODF (.fods) and has LibreOffice
(``soffice --headless --convert-to``) turn it into the .xlsx, .xls or .ods the office
exchanges; only the converted files are kept. No product code here.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

FILTERS = {  # LibreOffice's export filter per extension
    "xlsx": "xlsx:Calc MS Excel 2007 XML",
    "xls": "xls:MS Excel 97",
    "ods": "ods:calc8",
}


@dataclass(frozen=True)
class Title:
    text: str
    span: int


@dataclass(frozen=True)
class DateCell:
    value: date
    shown: str = "iso"  # iso 2023-03-05 | zh 2023年3月5日 | slash 2023/3/5


@dataclass(frozen=True)
class Money:
    value: float


@dataclass(frozen=True)
class CutNumber:
    digits: str


def date_text(d: date, style: str) -> str:
    """A date typed as text, the ways clerks type them."""
    if style == "zh":
        return f"{d.year}年{d.month}月{d.day}日"
    if style == "dot":
        return f"{d.year}.{d.month:02d}.{d.day:02d}"
    if style == "slash":
        return f"{d.year}/{d.month}/{d.day}"
    if style == "compact":
        return f"{d.year}{d.month:02d}{d.day:02d}"
    if style == "iso":
        return d.isoformat()
    raise ValueError(style)


_STYLES = """
<office:automatic-styles>
 <number:date-style style:name="Niso"><number:year number:style="long"/><number:text>-</number:text><number:month number:style="long"/><number:text>-</number:text><number:day number:style="long"/></number:date-style>
 <number:date-style style:name="Nzh"><number:year number:style="long"/><number:text>年</number:text><number:month/><number:text>月</number:text><number:day/><number:text>日</number:text></number:date-style>
 <number:date-style style:name="Nslash"><number:year number:style="long"/><number:text>/</number:text><number:month/><number:text>/</number:text><number:day/></number:date-style>
 <number:number-style style:name="Nmoney"><number:number number:decimal-places="2" number:min-decimal-places="2" number:min-integer-digits="1"/></number:number-style>
 <style:style style:name="co1" style:family="table-column"><style:table-column-properties style:column-width="28mm"/></style:style>
 <style:style style:name="ceiso" style:family="table-cell" style:data-style-name="Niso"/>
 <style:style style:name="cezh" style:family="table-cell" style:data-style-name="Nzh"/>
 <style:style style:name="ceslash" style:family="table-cell" style:data-style-name="Nslash"/>
 <style:style style:name="cemoney" style:family="table-cell" style:data-style-name="Nmoney"/>
 <style:style style:name="cetitle" style:family="table-cell"><style:paragraph-properties fo:text-align="center"/><style:text-properties fo:font-weight="bold" fo:font-size="14pt"/></style:style>
</office:automatic-styles>
"""

_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
         '<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
         'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
         'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
         'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
         'xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0" '
         'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
         'office:version="1.2" '
         'office:mimetype="application/vnd.oasis.opendocument.spreadsheet">')


def _p(text: str) -> str:
    return f"<text:p>{escape(text)}</text:p>"


def _cell(value) -> str:
    if value is None:
        return "<table:table-cell/>"
    if isinstance(value, Title):
        covered = (f'<table:covered-table-cell table:number-columns-repeated="{value.span - 1}"/>'
                   if value.span > 1 else "")
        return (f'<table:table-cell table:style-name="cetitle" '
                f'table:number-columns-spanned="{value.span}" office:value-type="string">'
                f"{_p(value.text)}</table:table-cell>{covered}")
    if isinstance(value, str):
        return f'<table:table-cell office:value-type="string">{_p(value)}</table:table-cell>'
    if isinstance(value, bool):
        raise TypeError("write 是/否 as text")
    if isinstance(value, int | float):
        return (f'<table:table-cell office:value-type="float" office:value="{value!r}">'
                f"{_p(str(value))}</table:table-cell>")
    if isinstance(value, Money):
        return (f'<table:table-cell table:style-name="cemoney" office:value-type="float" '
                f'office:value="{value.value!r}">{_p(f"{value.value:.2f}")}</table:table-cell>')
    if isinstance(value, CutNumber):
        return (f'<table:table-cell office:value-type="float" office:value="{value.digits}">'
                f"{_p(value.digits)}</table:table-cell>")
    if isinstance(value, DateCell):
        d = value.value
        return (f'<table:table-cell table:style-name="ce{value.shown}" office:value-type="date" '
                f'office:date-value="{d.isoformat()}">{_p(date_text(d, value.shown))}'
                "</table:table-cell>")
    raise TypeError(f"no cell for {value!r}")


def fods(sheets: list[tuple[str, list[list]]]) -> str:
    """A flat ODF spreadsheet of the sheets (name, rows)."""
    out = [_HEAD, _STYLES, "<office:body><office:spreadsheet>"]
    for name, rows in sheets:
        width = max((len(r) if not (r and isinstance(r[0], Title)) else r[0].span)
                    for r in rows) if rows else 1
        out.append(f"<table:table table:name={quoteattr(name)}>")
        out.append(f'<table:table-column table:style-name="co1" '
                   f'table:number-columns-repeated="{width}"/>')
        for row in rows:
            out.append("<table:table-row>" + "".join(_cell(c) for c in row)
                       + "</table:table-row>" if row else
                       "<table:table-row><table:table-cell/></table:table-row>")
        out.append("</table:table>")
    out.append("</office:spreadsheet></office:body></office:document>")
    return "\n".join(out)


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        raise SystemExit("LibreOffice is needed to write the fixture: "
                         "apt-get install -y libreoffice-calc-nogui")
    return found


def write_workbooks(books: dict[Path, list[tuple[str, list[list]]]]) -> None:
    """Write each workbook (path → its sheets) through LibreOffice, in the format its
    extension names."""
    exe = soffice()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        profile = (tmp_path / "profile").as_uri()
        by_ext: dict[str, list[tuple[Path, Path]]] = {}
        for i, (target, sheets) in enumerate(sorted(books.items())):
            ext = target.suffix.lstrip(".")
            src = tmp_path / ext / f"book{i:03d}.fods"
            src.parent.mkdir(parents=True, exist_ok=True)
            src.write_text(fods(sheets), encoding="utf-8")
            by_ext.setdefault(ext, []).append((src, target))
        for ext, pairs in by_ext.items():
            outdir = tmp_path / f"out-{ext}"
            subprocess.run(
                [exe, f"-env:UserInstallation={profile}", "--headless", "--convert-to",
                 FILTERS[ext], "--outdir", str(outdir), *(str(s) for s, _ in pairs)],
                check=True, capture_output=True, timeout=600)
            for src, target in pairs:
                made = outdir / f"{src.stem}.{ext}"
                if not made.exists():
                    raise SystemExit(f"LibreOffice did not write {target.name}")
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(made, target)
