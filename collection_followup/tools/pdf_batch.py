"""Many documents in one wkhtmltopdf call, split back into one PDF per document.

Odoo splits a batch PDF by its outline (bookmarks), which only the wkhtmltopdf built against
its patched Qt writes; the build Debian and Ubuntu ship writes no outline and refuses more than
one input file. Here each document starts with a marker: a tiny invisible image whose pixel
width is unique to the document (``MARKER_WIDTH + index``, ``MARKER_HEIGHT`` pixels high). Both
builds embed the image as is, so the page holding marker ``i`` is where document ``i`` starts,
read from the pages' resources without extracting any text (the marker is shown wide enough
that neither build downsamples it).

With the patched build the documents are given as separate inputs (Odoo's per-document headers
and footers keep working); with the unpatched build they are joined into one HTML document, each
starting on a new page (that build prints no header or footer in any case).
"""

import base64
import functools
import io
import itertools
import os
import re
import struct
import subprocess
import tempfile
import zlib

from odoo.tools.pdf import PdfFileReader, PdfFileWriter

MARKER_WIDTH = 1000
MARKER_HEIGHT = 5
_BODY_OPEN = re.compile(r"<body\b[^>]*>", re.IGNORECASE)
_BODY_CLOSE = re.compile(r"</body\s*>", re.IGNORECASE)


class PdfBatchError(Exception):
    """The batch PDF cannot be split back into its documents."""


@functools.cache
def is_patched_build(binary):
    """Whether ``binary`` is a wkhtmltopdf built against the patched Qt (outlines, several
    inputs, headers and footers), as its ``--version`` says ("with patched qt")."""
    try:
        out = subprocess.run(
            [binary, "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return "patched qt" in out.lower()


def marker_png(index):
    """A white PNG ``MARKER_WIDTH + index`` pixels wide, ``MARKER_HEIGHT`` high."""
    width = MARKER_WIDTH + index
    row = b"\x00" + b"\xff" * width  # filter byte, then one grey byte per pixel
    raw = row * MARKER_HEIGHT

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, MARKER_HEIGHT, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def marker_html(index):
    """The marker of document ``index``: a white line one pixel high, out of the flow. It is
    shown wide enough (at most 300 pixels per inch) that the patched build, which downsamples
    images finer than its ``--image-dpi`` (600 by default), embeds it at its own size."""
    data = base64.b64encode(marker_png(index)).decode()
    width = -(-(MARKER_WIDTH + index) * 96 // 300)  # CSS pixels are 1/96 inch
    return (
        f'<img src="data:image/png;base64,{data}" alt="" '
        f'style="position:absolute;width:{width}px;height:1px"/>'
    )


def mark(body, index):
    """``body`` (an HTML document) with the marker of ``index`` first in its ``<body>``."""
    body = str(body)  # plain text: a Markup would escape the marker
    match = _BODY_OPEN.search(body)
    if not match:
        return marker_html(index) + body
    return body[: match.end()] + marker_html(index) + body[match.end() :]


def join(bodies):
    """One HTML document holding ``bodies`` in turn, each from a new page: the head of the
    first document, the content of each document's ``<body>``."""
    bodies = [str(body) for body in bodies]  # plain text: a Markup would escape the rest
    first = bodies[0]
    opening = _BODY_OPEN.search(first)
    if not opening:
        raise PdfBatchError("The report's HTML has no <body>.")
    parts = [first[: opening.end()]]
    for position, body in enumerate(bodies):
        start = _BODY_OPEN.search(body)
        end = _BODY_CLOSE.search(body, start.end() if start else 0)
        content = body[start.end() if start else 0 : end.start() if end else len(body)]
        style = "page-break-before:always;" if position else ""
        parts.append(f'<div style="{style}position:relative">{content}</div>')
    parts.append("</body></html>")
    return "".join(parts)


def _page_markers(page):
    """Indexes of the markers on ``page``."""
    resources = page.get("/Resources")
    resources = resources.get_object() if resources is not None else {}
    xobjects = resources.get("/XObject")
    found = []
    for ref in (xobjects.get_object() if xobjects is not None else {}).values():
        image = ref.get_object()
        if image.get("/Subtype") != "/Image" or image.get("/Height") != MARKER_HEIGHT:
            continue
        index = int(image.get("/Width", 0)) - MARKER_WIDTH
        if index >= 0:
            found.append(index)
    return found


def split(content, count):
    """Split ``content`` (the PDF of ``count`` marked documents) into one PDF per document.

    :raise PdfBatchError: when the markers are not each found once, in order, the first on the
        first page (a template that drops the marker, a build that re-encodes images).
    """
    reader = PdfFileReader(io.BytesIO(content))
    pages = reader.pages
    starts = {}
    for number, page in enumerate(pages):
        for index in _page_markers(page):
            if index < count and index not in starts:
                starts[index] = number
    ordered = [starts.get(index) for index in range(count)]
    if (
        None in ordered
        or ordered[0] != 0
        or any(after <= before for before, after in itertools.pairwise(ordered))
    ):
        raise PdfBatchError(
            f"Found {len(starts)} of {count} document markers in a {len(pages)}-page PDF."
        )
    result = []
    for index, start in enumerate(ordered):
        end = ordered[index + 1] if index + 1 < count else len(pages)
        writer = PdfFileWriter()
        for number in range(start, end):
            writer.add_page(pages[number])
        stream = io.BytesIO()
        writer.write(stream)
        result.append(stream.getvalue())
    return result


def page_count(content):
    return len(PdfFileReader(io.BytesIO(content)).pages)


def run_wkhtmltopdf(binary, args, bodies, header=None, footer=None, timeout=600):
    """Run ``binary`` with ``args`` on ``bodies`` (HTML documents, several only with the
    patched build) and return the PDF. Exit code 1 with a PDF written is a page resource that
    failed to load (wkhtmltopdf's usual), not a failure.

    :raise PdfBatchError: on any other failure, with the end of wkhtmltopdf's message.
    """
    with tempfile.TemporaryDirectory(prefix="collection_pdf.") as tmp:
        # Qt wants a private runtime directory; without one it complains on every call.
        env = dict(os.environ, XDG_RUNTIME_DIR=tmp)
        command = [binary, *args]
        for option, html in (("--header-html", header), ("--footer-html", footer)):
            if html:
                path = os.path.join(tmp, f"{option[2:]}.html")
                with open(path, "w", encoding="utf-8") as file:
                    file.write(html)
                command += [option, path]
        for number, body in enumerate(bodies):
            path = os.path.join(tmp, f"body{number}.html")
            with open(path, "w", encoding="utf-8") as file:
                file.write(body)
            command.append(path)
        output = os.path.join(tmp, "out.pdf")
        command.append(output)
        try:
            process = subprocess.run(
                command, capture_output=True, env=env, timeout=timeout, check=False
            )
        except (OSError, subprocess.SubprocessError) as error:
            raise PdfBatchError(f"wkhtmltopdf could not run: {error}") from error
        content = b""
        if os.path.exists(output):
            with open(output, "rb") as file:
                content = file.read()
    if process.returncode not in (0, 1) or not content:
        message = process.stderr.decode(errors="replace").strip()[-500:]
        raise PdfBatchError(f"wkhtmltopdf failed (exit code {process.returncode}): {message}")
    return content


# --------------------------------------------------------------------------- style sheets

# The report's style sheets as ``<link>``s to Odoo's asset bundles (``/web/assets/...``).
_LINK = re.compile(r"<link\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_FONT_FACE = re.compile(r"@font-face\b", re.IGNORECASE)
_CSS_SIGNIFICANT = re.compile(r"""[{}@"']|/\*""")
_FONT_FAMILY = re.compile(r"(?:^|[;{\s])font-family\s*:\s*([^;}]+)", re.IGNORECASE)
ASSETS_PREFIX = "/web/assets/"


@functools.cache
def installed_font_families():
    """The font families fontconfig knows on this server, case-folded (``fc-list : family``,
    asked once per process), or ``None`` without fontconfig."""
    try:
        process = subprocess.run(
            ["fc-list", ":", "family"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if process.returncode:
        return None
    families = set()
    for line in process.stdout.splitlines():
        # One font a line, its family names separated by commas (escaped with a backslash
        # inside a name).
        for name in re.split(r"(?<!\\),", line):
            name = name.replace("\\", "").strip()
            if name:
                families.add(name.casefold())
    return frozenset(families) or None


def _skip_string_or_comment(css, position):
    """The position after the string or comment starting at ``position``, or ``position``
    when none starts there.

    :raise ValueError: on a string or comment left open.
    """
    if css.startswith("/*", position):
        end = css.find("*/", position + 2)
        if end == -1:
            raise ValueError("comment left open")
        return end + 2
    quote = css[position]
    if quote not in "\"'":
        return position
    index = position + 1
    while index < len(css):
        char = css[index]
        if char == "\\":
            index += 2
            continue
        if char == quote:
            return index + 1
        if char == "\n":
            break
        index += 1
    raise ValueError("string left open")


def _scan_to(css, position, wanted, forbidden):
    """The position of the first ``wanted`` character from ``position``, outside strings and
    comments.

    :raise ValueError: when a ``forbidden`` character comes first, or none is found.
    """
    while position < len(css):
        skipped = _skip_string_or_comment(css, position)
        if skipped != position:
            position = skipped
            continue
        char = css[position]
        if char in wanted:
            return position
        if char in forbidden:
            raise ValueError(f"{char!r} where {wanted!r} was expected")
        position += 1
    raise ValueError(f"{wanted!r} expected before the end")


def _font_face_family(block):
    """The family a ``@font-face`` block (its text between the braces) declares, case-folded,
    or ``None``."""
    match = _FONT_FAMILY.search(block)
    if not match:
        return None
    family = match.group(1).strip()
    if len(family) > 1 and family[0] == family[-1] and family[0] in "\"'":
        family = family[1:-1]
    return " ".join(family.split()).casefold() or None


def strip_font_faces(css, families):
    """``css`` without its ``@font-face`` rules that declare one of ``families`` (case-folded
    names), wherever they are (at the top level or inside ``@media``); everything else is kept
    as written.

    :raise ValueError: when the style sheet cannot be read (a brace, string or comment left
        open): better keep the style sheet as it is than cut it wrong.
    """
    parts = []
    kept_from = 0
    depth = 0
    index = 0
    while True:
        found = _CSS_SIGNIFICANT.search(css, index)
        if not found:
            break
        index = found.start()
        skipped = _skip_string_or_comment(css, index)
        if skipped != index:
            index = skipped
            continue
        char = css[index]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                raise ValueError("closing brace without an opening one")
        elif char == "@" and _FONT_FACE.match(css, index):
            start = index
            opening = _scan_to(css, index + len("@font-face"), "{", ";}")
            closing = _scan_to(css, opening + 1, "}", "{")
            if _font_face_family(css[opening + 1 : closing]) in families:
                parts.append(css[kept_from:start])
                kept_from = closing + 1
            index = closing + 1
            continue
        index += 1
    if depth:
        raise ValueError("a block left open")
    parts.append(css[kept_from:])
    return "".join(parts)


def stylesheet_href(tag):
    """The address of Odoo's asset bundle a ``<link>`` tag loads as a style sheet, or
    ``None``."""
    attributes = {}
    for match in _ATTRIBUTE.finditer(tag):
        value = match.group(2) if match.group(2) is not None else match.group(3)
        attributes[match.group(1).lower()] = value
    href = attributes.get("href") or ""
    if "stylesheet" not in (attributes.get("rel") or "").lower().split():
        return None
    if not href.startswith(ASSETS_PREFIX) or attributes.get("media", "all") not in ("all", ""):
        return None
    return href


def inline_stylesheets(html, stylesheet):
    """``html`` with each ``<link>`` to a style sheet of Odoo's asset bundles replaced by a
    ``<style>`` holding ``stylesheet(href)``; a link whose style sheet is ``None`` (or could
    not sit in a ``<style>``) stays as it is."""

    def replace(match):
        href = stylesheet_href(match.group(0))
        css = stylesheet(href) if href else None
        if css is None or re.search(r"</style", css, re.IGNORECASE):
            return match.group(0)
        return f'<style type="text/css">{css}</style>'

    return _LINK.sub(replace, str(html))
