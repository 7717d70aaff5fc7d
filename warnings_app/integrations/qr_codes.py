"""QR codes, drawn here as SVG (qrcode): the only module that imports qrcode. Nothing is fetched
from a service, and the SVG holds no markup from outside."""

import qrcode
import qrcode.image.svg


def qr_svg(text: str) -> str:
    """An SVG drawing of `text` as a QR code, sized for a phone camera at arm's length."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return str(image.to_string(encoding="unicode"))
