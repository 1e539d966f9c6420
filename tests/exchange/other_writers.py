"""Workbooks as other spreadsheet programs write them, made by hand (no LibreOffice or WPS
on these machines): an .xlsx with inline strings, a shared-string table, a date style and
a merged title — the parts LibreOffice and WPS write differently from openpyxl — and an
OpenDocument .ods with typed cells (string, float, date) and a spanned title."""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
</Types>"""
_RELS = """<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
_WB = """<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>"""
_WB_RELS = """<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>
</Relationships>"""
# style 0: General; style 1: a date (built-in format 14, as LibreOffice maps YYYY-MM-DD);
# style 2: text "@"
_STYLES = """<?xml version="1.0" encoding="UTF-8"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="1"><numFmt numFmtId="164" formatCode="YYYY\\-MM\\-DD"/></numFmts>
<fonts count="1"><font><sz val="10"/><name val="宋体"/></font></fonts>
<fills count="1"><fill><patternFill patternType="none"/></fill></fills>
<borders count="1"><border/></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>
</styleSheet>"""


def _col(i: int) -> str:
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def _serial(d: date) -> int:
    return (d - date(1899, 12, 30)).days


def write_foreign_xlsx(path: Path, title: str, rows: Sequence[Sequence[Any]],
                       sheet: str = "工作表1") -> Path:
    """Strings of the title and header in a shared-string table, data strings inline,
    dates as serials with a date style, ID numbers as text cells (style "@"), a merged
    title and no dimension element."""
    shared = [title, *[str(c) for c in rows[0]]]
    width = max(len(r) for r in rows)
    xml = ['<?xml version="1.0" encoding="UTF-8"?>'
           '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           '<sheetData>',
           '<row r="1"><c r="A1" t="s"><v>0</v></c></row>',
           '<row r="2">' + "".join(f'<c r="{_col(i)}2" t="s"><v>{i + 1}</v></c>'
                                   for i in range(len(rows[0]))) + "</row>"]
    for n, row in enumerate(rows[1:], start=3):
        cells = []
        for i, v in enumerate(row):
            ref = f"{_col(i)}{n}"
            if v is None:
                continue
            if isinstance(v, date):
                cells.append(f'<c r="{ref}" s="1"><v>{_serial(v)}</v></c>')
            elif isinstance(v, int | float):
                cells.append(f'<c r="{ref}"><v>{v}</v></c>')
            else:
                cells.append(f'<c r="{ref}" s="2" t="inlineStr"><is><t>{escape(v)}</t></is></c>')
        xml.append(f'<row r="{n}">' + "".join(cells) + "</row>")
    xml.append(f'</sheetData><mergeCells count="1"><mergeCell ref="A1:{_col(width - 1)}1"/>'
               "</mergeCells></worksheet>")
    sst = ('<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org'
           f'/spreadsheetml/2006/main" count="{len(shared)}" uniqueCount="{len(shared)}">'
           + "".join(f"<si><t xml:space=\"preserve\">{escape(s)}</t></si>" for s in shared)
           + "</sst>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WB.format(name=escape(sheet)))
        z.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        z.writestr("xl/styles.xml", _STYLES)
        z.writestr("xl/sharedStrings.xml", sst)
        z.writestr("xl/worksheets/sheet1.xml", "".join(xml))
    return path


_ODS_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"""


def write_ods(path: Path, title: str, rows: Sequence[Sequence[Any]], sheet: str = "名册") -> Path:
    """An OpenDocument spreadsheet as LibreOffice and WPS save it: typed cells, a title
    spanning the columns, repeated empty cells compressed."""
    width = max(len(r) for r in rows)

    def cell(v: Any) -> str:
        if v is None:
            return "<table:table-cell/>"
        if isinstance(v, date):
            return (f'<table:table-cell office:value-type="date" office:date-value='
                    f'"{v.isoformat()}"><text:p>{v.isoformat()}</text:p></table:table-cell>')
        if isinstance(v, int | float):
            return (f'<table:table-cell office:value-type="float" office:value="{v}">'
                    f"<text:p>{v}</text:p></table:table-cell>")
        return (f'<table:table-cell office:value-type="string"><text:p>{escape(str(v))}'
                "</text:p></table:table-cell>")

    body = [f'<table:table table:name="{escape(sheet)}">',
            f'<table:table-column table:number-columns-repeated="{width}"/>',
            f'<table:table-row><table:table-cell office:value-type="string" '
            f'table:number-columns-spanned="{width}"><text:p>{escape(title)}</text:p>'
            f'</table:table-cell><table:covered-table-cell table:number-columns-repeated='
            f'"{width - 1}"/></table:table-row>']
    for row in rows:
        body.append("<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>")
    body.append("</table:table>")
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        "<office:body><office:spreadsheet>" + "".join(body)
        + "</office:spreadsheet></office:body></office:document-content>")
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", _ODS_MANIFEST)
        z.writestr("content.xml", content)
    return path
