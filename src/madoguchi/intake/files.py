"""File type detection from content (magic numbers): the name and the browser's claimed type are never trusted."""

from __future__ import annotations

from django.utils.translation import gettext

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
HEIC = "image/heic"
HEIF = "image/heif"

# ISO BMFF brands (ftyp box at offset 4) of HEIC/HEIF still images.
_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"}
_HEIF_BRANDS = {b"mif1", b"msf1"}


def detect_mime_type(content: bytes) -> str:
    """The detected MIME type of `content` (PDF, JPEG, PNG, HEIC, HEIF), or "" when it is none of them."""
    head = content[:64]
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _HEIC_BRANDS:
            return HEIC
        if brand in _HEIF_BRANDS:
            # mif1 files carry their codec in the compatible brands; HEVC-coded ones are HEIC.
            box_size = int.from_bytes(head[0:4], "big")
            compatible = content[16 : max(16, min(box_size, 64))]
            if any(compatible[i : i + 4] in _HEIC_BRANDS for i in range(0, len(compatible) - 3, 4)):
                return HEIC
            return HEIF
    return ""


def type_label(mime_type: str) -> str:
    """Short label of a MIME type for messages (PDF, JPEG …)."""
    return {PDF: "PDF", JPEG: "JPEG", PNG: "PNG", HEIC: "HEIC", HEIF: "HEIF"}.get(mime_type) or gettext(
        "不明な形式"
    )
