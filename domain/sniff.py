"""What a file is, told by its first bytes (never by its name): PDF, images, Office documents, audio."""

from __future__ import annotations

# How many leading bytes `sniff` needs to decide (a ZIP's first entry name, an MP4's brand).
HEAD_BYTES = 4096

FAMILIES = {
    "application/pdf": "pdf",
    "image/png": "image",
    "image/jpeg": "image",
    "image/gif": "image",
    "image/webp": "image",
    "image/heic": "image",
    "image/tiff": "image",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "office",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "office",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "office",
    "application/vnd.oasis.opendocument.text": "office",
    "application/vnd.oasis.opendocument.spreadsheet": "office",
    "application/x-ole-storage": "office",
    "audio/wav": "audio",
    "audio/ogg": "audio",
    "audio/mpeg": "audio",
    "audio/mp4": "audio",
}
OOXML = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
AUDIO_BRANDS = (b"M4A ", b"M4B ", b"mp42", b"isom", b"mp41", b"dash")
IMAGE_BRANDS = (b"heic", b"heix", b"mif1", b"heim", b"heis")


def _zip(head: bytes) -> str | None:
    """An Office document is a ZIP whose entries name its kind: the names in the first local headers tell."""
    if b"mimetypeapplication/vnd.oasis.opendocument.text" in head[:100]:
        return "application/vnd.oasis.opendocument.text"
    if b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet" in head[:100]:
        return "application/vnd.oasis.opendocument.spreadsheet"
    for prefix, media in OOXML.items():
        if b"PK\x03\x04" in head and prefix.encode() in head:
            return media
    if b"[Content_Types].xml" in head[:200]:
        # The first entry is the content-types part: the kind is named in its body (compressed) or later entries.
        return OOXML["word/"] if b"word/" in head else None
    return None


def _mpeg_frame(head: bytes) -> bool:
    return len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06 != 0


def sniff(head: bytes) -> str | None:
    """The media type of a file from its first bytes (up to HEAD_BYTES), or None when it is none of the kinds kept."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"ID3") or _mpeg_frame(head):
        return "audio/mpeg"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in IMAGE_BRANDS:
            return "image/heic"
        if brand in AUDIO_BRANDS:
            return "audio/mp4"
        return None
    if head.startswith(b"PK\x03\x04"):
        return _zip(head)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "application/x-ole-storage"  # .doc, .xls, .ppt (OLE compound files)
    return None


def family(media_type: str) -> str | None:
    return FAMILIES.get(media_type)


def is_audio(media_type: str) -> bool:
    return family(media_type) == "audio"
