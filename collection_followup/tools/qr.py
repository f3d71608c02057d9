"""QR codes for links printed or shown to customers (the `qrcode` package)."""

import base64
import io

import qrcode


def qr_png_data_uri(text, box_size=6):
    """A PNG QR code of ``text`` as a data: URI, ready for an <img src>."""
    image = qrcode.make(text, box_size=box_size, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
