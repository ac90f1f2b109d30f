"""Offline speech-to-text: audio decoded with ffmpeg (16 kHz mono PCM), recognised by PocketSphinx.

The model directory (CRM_SPEECH_MODEL_DIR; default the English model the pocketsphinx wheel ships) holds an
acoustic model folder (the one with `mdef`), a language model (`*.lm.bin` or `*.lm`) and a pronunciation
dictionary (`*.dict`), so another language's model (e.g. German from CMU Sphinx) can be dropped in.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from config.settings import Settings

SAMPLE_RATE = 16000
DECODE_TIMEOUT_S = 40


class SpeechError(Exception):
    """The audio could not be decoded or recognised."""


def _model_files(model_dir: Path) -> dict[str, str]:
    hmm = next((p.parent for p in sorted(model_dir.rglob("mdef"))), None)
    lm = next((p for p in sorted(model_dir.glob("*.lm.bin")) if "phone" not in p.name), None) or next(
        (p for p in sorted(model_dir.glob("*.lm")) if "phone" not in p.name), None
    )
    dic = next(iter(sorted(model_dir.glob("*.dict"))), None)
    if hmm is None or lm is None or dic is None:
        raise SpeechError(f"no acoustic model, language model and dictionary under {model_dir}")
    return {"hmm": str(hmm), "lm": str(lm), "dict": str(dic)}


class PocketSphinx:
    name = "pocketsphinx"

    def __init__(self, model_dir: str = "", max_seconds: float = 60.0) -> None:
        # Longer notes are refused (FAILED): a task must finish well within the broker's visibility timeout.
        self.max_seconds = max_seconds
        if model_dir:
            self.model_dir = Path(model_dir)
        else:
            from pocketsphinx import get_model_path

            self.model_dir = Path(get_model_path()) / "en-us"
        self.files = _model_files(self.model_dir)

    def transcribe(self, path: str) -> str:
        """The words spoken in the audio file (blocking: run it in a thread or a worker)."""
        from pocketsphinx import Decoder

        ffmpeg = shutil.which("ffmpeg")
        if ffmpeg is None:
            raise SpeechError("ffmpeg is not installed")
        decoded = subprocess.run(
            [
                ffmpeg,
                "-nostdin",
                "-loglevel",
                "error",
                "-i",
                path,
                "-ac",
                "1",
                "-ar",
                str(SAMPLE_RATE),
                "-f",
                "s16le",
                "-",
            ],
            capture_output=True,
            timeout=DECODE_TIMEOUT_S,
            check=False,
        )
        if decoded.returncode != 0:
            raise SpeechError(f"ffmpeg could not decode the audio: {decoded.stderr.decode(errors='replace')[-300:]}")
        if len(decoded.stdout) / (2 * SAMPLE_RATE) > self.max_seconds:
            raise SpeechError(f"the note is longer than {self.max_seconds:.0f} s (CRM_SPEECH_MAX_SECONDS)")
        decoder = Decoder(samprate=SAMPLE_RATE, loglevel="FATAL", **self.files)
        decoder.start_utt()
        decoder.process_raw(decoded.stdout, full_utt=True)
        decoder.end_utt()
        hyp = decoder.hyp()
        return hyp.hypstr.strip() if hyp is not None else ""


def from_settings(settings: Settings) -> PocketSphinx | None:
    """The configured engine, or None (`CRM_SPEECH_ENGINE=none`: audio is kept, nothing is transcribed)."""
    if settings.speech_engine == "pocketsphinx":
        return PocketSphinx(settings.speech_model_dir, settings.speech_max_seconds)
    return None
