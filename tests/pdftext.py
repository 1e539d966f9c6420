"""Reading back the PDFs the app writes (Qt's PDF engine), with the standard library:
the pages, the fonts and whether each is embedded, and the text of each page through the
fonts' ToUnicode maps — enough for a test to see that a document says what it should, in
Chinese, and would print the same anywhere (its fonts travel inside it)."""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path

_OBJ = re.compile(rb"(\d+) 0 obj(.*?)endobj", re.S)
_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
_HEX = re.compile(rb"<([0-9A-Fa-f]+)>")


@dataclass
class Pdf:
    pages: list[str] = field(default_factory=list)  # the text of each page
    fonts: dict[str, bool] = field(default_factory=dict)  # base font -> embedded

    @property
    def text(self) -> str:
        """Every page's text, NFKC (Qt maps a glyph CJK shares with a Kangxi radical, 工
        and ⼯, to the radical), white space between words dropped."""
        import unicodedata

        return unicodedata.normalize("NFKC", "\n".join(self.pages)).replace("\t", "")


def _stream(body: bytes) -> bytes:
    m = _STREAM.search(body)
    if m is None:
        return b""
    raw = m.group(1)
    return zlib.decompress(raw) if b"/FlateDecode" in body[:m.start()] else raw


def _cmap(text: bytes) -> dict[int, str]:
    """Glyph id -> text, from a ToUnicode CMap (bfchar and bfrange, arrays too)."""
    out: dict[int, str] = {}

    def chars(hexa: bytes) -> str:
        return bytes.fromhex(hexa.decode()).decode("utf-16-be")

    for block in re.findall(rb"beginbfchar(.*?)endbfchar", text, re.S):
        pairs = _HEX.findall(block)
        for src, dst in zip(pairs[::2], pairs[1::2], strict=False):
            out[int(src, 16)] = chars(dst)
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", text, re.S):
        for lo_hex, hi_hex, dst in re.findall(
                rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(\[[^\]]*\]|<[0-9A-Fa-f]+>)", block,
                re.S):
            lo, hi = int(lo_hex, 16), int(hi_hex, 16)
            if dst.startswith(b"["):
                for i, each in enumerate(_HEX.findall(dst)):
                    out[lo + i] = chars(each)
            else:
                first = bytes.fromhex(dst[1:-1].decode())
                base = int.from_bytes(first, "big")
                for i in range(hi - lo + 1):
                    out[lo + i] = (base + i).to_bytes(len(first), "big").decode(
                        "utf-16-be", errors="replace")
    return out


def read_pdf(path: Path | str) -> Pdf:
    data = Path(path).read_bytes()
    if not data.startswith(b"%PDF-"):
        raise ValueError(f"{path} is not a PDF")
    objects = {int(n): body for n, body in _OBJ.findall(data)}
    result = Pdf()
    maps: dict[int, dict[int, str]] = {}
    for num, body in objects.items():
        if re.search(rb"/Type\s*/Font\b", body) and re.search(rb"/Subtype\s*/Type0", body):
            base = re.search(rb"/BaseFont /([^\s/]+)", body).group(1).decode()
            descendant = int(re.search(rb"/DescendantFonts \[\s*(\d+) 0 R", body).group(1))
            descriptor = re.search(rb"/FontDescriptor (\d+) 0 R", objects[descendant])
            embedded = descriptor is not None and re.search(
                rb"/FontFile[23]? \d+ 0 R", objects[int(descriptor.group(1))]) is not None
            result.fonts[base] = embedded
            to_unicode = re.search(rb"/ToUnicode (\d+) 0 R", body)
            if to_unicode:
                maps[num] = _cmap(_stream(objects[int(to_unicode.group(1))]))
    kids = re.search(rb"/Type\s*/Pages\s*/Kids\s*\[(.*?)\]", data, re.S)
    for page_ref in re.findall(rb"(\d+) 0 R", kids.group(1)):
        page = objects[int(page_ref)]
        contents = int(re.search(rb"/Contents (\d+) 0 R", page).group(1))
        content = _stream(objects[contents])
        resources = re.search(rb"/Resources (\d+) 0 R", page)
        res = objects[int(resources.group(1))] if resources else page
        font_refs = {name.decode(): int(ref) for name, ref in
                     re.findall(rb"/(F\w*) (\d+) 0 R", res)}
        words: list[str] = []
        font: dict[int, str] = {}
        for token in re.finditer(rb"/(F\w*) [\d.]+ Tf|<([0-9A-Fa-f]+)> Tj|\bET\b", content):
            if token.group(1):
                name = token.group(1).decode()
                ref = font_refs.get(name)
                if ref is None and name[1:].isdigit():  # (Qt names a font by its object)
                    ref = int(name[1:])
                font = maps.get(ref, {})
            elif token.group(2):
                hexa = token.group(2).decode()
                words.append("".join(font.get(int(hexa[i:i + 4], 16), "?")
                                     for i in range(0, len(hexa), 4)))
            else:
                words.append("\n")
        result.pages.append("".join(words))
    return result
