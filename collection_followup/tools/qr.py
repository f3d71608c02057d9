"""QR codes for links printed or shown to customers (the `qrcode` package)."""

import base64
import io

import qrcode


def qr_png(text, box_size=6):
    """A PNG QR code of ``text``, as bytes."""
    image = qrcode.make(text, box_size=box_size, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def qr_png_data_uri(text, box_size=6):
    """A PNG QR code of ``text`` as a data: URI, for an <img src> in a page or a PDF."""
    return "data:image/png;base64," + base64.b64encode(qr_png(text, box_size)).decode()
