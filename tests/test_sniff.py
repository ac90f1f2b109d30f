"""[field] Kinds of documents told by their first bytes, never by their name; the engine's length cap."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from domain.sniff import family, sniff
from integrations.speech import PocketSphinx, SpeechError

DOCX_HEAD = (
    b"PK\x03\x04\x14\x00\x06\x00"
    + b"\x00" * 22
    + b"[Content_Types].xml"
    + b"\x00" * 300
    + b"PK\x03\x04word/document.xml"
)


@pytest.mark.parametrize(
    ("head", "media", "kind"),
    [
        (b"%PDF-1.7\n...", "application/pdf", "pdf"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png", "image"),
        (b"\xff\xd8\xff\xe1\x00\x10Exif", "image/jpeg", "image"),
        (b"GIF89a\x01\x00", "image/gif", "image"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp", "image"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00", "image/heic", "image"),
        (DOCX_HEAD, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "office"),
        (
            b"PK\x03\x04" + b"\x00" * 26 + b"xl/workbook.xml",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "office",
        ),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00", "application/x-ole-storage", "office"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "audio/wav", "audio"),
        (b"OggS\x00\x02\x00\x00", "audio/ogg", "audio"),
        (b"ID3\x04\x00\x00\x00", "audio/mpeg", "audio"),
        (b"\xff\xfb\x90\x64\x00", "audio/mpeg", "audio"),
        (b"\x00\x00\x00\x20ftypM4A \x00\x00", "audio/mp4", "audio"),
    ],
)
def test_kept_kinds_are_told_by_content(head: bytes, media: str, kind: str) -> None:
    assert sniff(head) == media
    assert family(media) == kind


@pytest.mark.parametrize(
    "head",
    [b"", b"#!/bin/sh\n", b"<html><script>", b"PK\x03\x04" + b"\x00" * 26 + b"payload.exe", b"MZ\x90\x00", b"\x7fELF"],
)
def test_other_content_is_refused(head: bytes) -> None:
    assert sniff(head) is None


def test_notes_longer_than_the_cap_are_not_decoded(tmp_path: Path) -> None:
    wav = tmp_path / "long.wav"
    subprocess.run(["espeak-ng", "-v", "en-us+f2", "-w", str(wav), "one two three four five six seven"], check=True)
    with pytest.raises(SpeechError, match="longer than 1 s"):
        PocketSphinx(max_seconds=1).transcribe(str(wav))
