"""A part mastered and encoded in chunks: memory grows with the longest scene, not the part.

The part is laid out scene by scene into a temporary file of 32-bit samples (each scene
leveled, band-limited), then read back a few seconds at a time for each pass: the loudness of
the limited part for a gain (three or four passes find the gain that reaches -16 LUFS), the
encoding (samples piped to ffmpeg as they are made), and the check of the decoded MP3 (read from
ffmpeg as it decodes). Each chunk is read with a margin on each side, wide enough for the
true-peak interpolator and the limiter's hold, so every sample is limited as if the whole part
were in memory. The loudness meter is sound's: the same blocks, summed across chunks.
"""

from __future__ import annotations

import functools
import math
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import numpy as np
from scipy.signal import sosfilt, sosfilt_zi, sosfiltfilt

from kitbuilder import heap
from kitbuilder.render import sound
from kitbuilder.render.narration import BITRATE, RATE, PartAudio
from kitbuilder.render.timing import Timing

_CHUNK = 4 * 2205 * 25  # samples: 10 s, a whole number of 100 ms loudness quarters
_MARGIN = 2 * sound._HOLD + len(sound._INTERPOLATOR)  # read on each side of a chunk
_PAD = 512  # samples of silence each side of a scene, for its band-limiting filter to ring out

Chunks = Callable[[], Iterator[np.ndarray]]
_ONE_AT_A_TIME = threading.Lock()


def assemble(part: PartAudio, pieces: list[list[Path]], timing: Timing, out: IO[bytes]) -> None:
    """Write the part, as 32-bit float samples, to `out`: each piece and each section at
    SCENE_LUFS, band-limited to what the MP3 keeps; one section in memory at a time."""
    cursor = 0
    for section, files, spans in zip(part.sections, pieces, timing.spans):
        first, last = spans[0][0] - _PAD, spans[-1][1] + _PAD
        scene = np.zeros(last - first, dtype=np.float32)
        for path, (start, end) in zip(files, spans):
            said = sound.read_wav(path)[: end - start]
            scene[start - first:start - first + len(said)] = (
                said if section.recording else sound._leveled(said, sound.SCENE_LUFS))
        scene = sound._leveled(scene, sound.SCENE_LUFS)
        np.zeros(first - cursor, dtype=np.float32).tofile(out)
        sosfiltfilt(sound._LOW_PASS, scene).astype(np.float32).tofile(out)
        cursor = last
    np.zeros(timing.total - cursor, dtype=np.float32).tofile(out)


def master(part: PartAudio, pieces: list[list[Path]], timing: Timing, out: Path) -> None:
    """The part's MP3 at -16 LUFS, its true peaks under -1 dBTP, checked by decoding it."""
    # One part mastered at a time, however many are voiced at once: the peak is one part's.
    with _ONE_AT_A_TIME, tempfile.TemporaryFile(dir=out.parent) as raw:
        assemble(part, pieces, timing, raw)
        heap.give_back()
        encode(_reader(raw, timing.total), out)
        heap.give_back()


def encode(chunks: Chunks, out: Path) -> None:
    """Master and encode the part, then check the MP3 by decoding it: if its loudness or its
    peaks miss, what they miss is corrected and the part encoded again (rarely needed)."""
    boost, ceiling = _codec_shortfall(), sound.CEILING_DBTP
    for _ in range(3):
        gain = _gain(chunks, ceiling)
        _write_mp3((c * np.float32(10 ** (boost / 20)) for c in _limited(chunks, gain, ceiling)),
                   out)
        heard, peak = _measure(lambda: _decoded_mp3(out))
        shortfall = sound.TARGET_LUFS - (heard or sound.TARGET_LUFS)
        excess = 20 * math.log10(max(peak, 1e-12)) - sound.MAX_PEAK_DBTP
        if abs(shortfall) <= 0.2 and excess <= 0:
            return
        boost += shortfall
        ceiling -= max(0.0, excess + shortfall) + (0.2 if excess > 0 else 0.0)


def _gain(chunks: Chunks, ceiling: float) -> float | None:
    """The gain (dB) that brings the limited part to TARGET_LUFS, by the secant method:
    three or four passes reach the target within 0.05 LU. None for a silent part."""
    loudness, _ = _measure(chunks)
    if loudness is None:
        return None
    tried: list[tuple[float, float]] = []  # (gain, loudness reached)
    gain = sound.TARGET_LUFS - loudness
    for _ in range(8):
        reached = (_measure(functools.partial(_limited, chunks, gain, ceiling))[0]
                   or sound.TARGET_LUFS)
        if abs(sound.TARGET_LUFS - reached) < 0.05:
            break
        tried.append((gain, reached))
        if len(tried) < 2 or tried[-1][1] == tried[-2][1]:
            gain += sound.TARGET_LUFS - reached
        else:
            (g1, l1), (g2, l2) = tried[-2:]
            gain = g2 + (sound.TARGET_LUFS - l2) * (g2 - g1) / (l2 - l1)
    return gain


def _limited(chunks: Chunks, gain: float | None, ceiling: float) -> Iterator[np.ndarray]:
    """The part raised by `gain` dB through sound's look-ahead limiter, chunk by chunk: each
    chunk limited with its margins, as the whole part would be, and cut back to itself."""
    for before, chunk, after in _with_margins(chunks()):
        if gain is None:
            yield chunk
            continue
        wide = np.concatenate((before, chunk, after)).astype(np.float64)
        peaks = sound._true_peaks(wide)
        limited = sound._limited(wide, peaks, sound._held(peaks), gain, ceiling)
        yield limited[len(before):len(before) + len(chunk)].astype(np.float32)


def _with_margins(chunks: Iterator[np.ndarray]
                  ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Each chunk with up to _MARGIN samples of its neighbours on each side."""
    previous: np.ndarray | None = None
    before = np.zeros(0, dtype=np.float32)
    for chunk in chunks:
        if previous is not None:
            yield before, previous, chunk[:_MARGIN]
            before = previous[-_MARGIN:]
        previous = chunk
    if previous is not None:
        yield before, previous, np.zeros(0, dtype=np.float32)


def _measure(chunks: Chunks) -> tuple[float | None, float]:
    """Integrated loudness (as sound._loudness measures it) and highest true peak of a
    stream of chunks, in one pass, holding one chunk at a time."""
    state = sosfilt_zi(sound._k_weighting()) * 0.0
    running, length, peak = 0.0, 0, 0.0
    sums: list[np.ndarray] = []  # the energy of each 100 ms quarter
    for before, chunk, after in _with_margins(chunks()):
        wide = np.concatenate((before, chunk, after)).astype(np.float64)
        peak = max(peak, float(sound._true_peaks(wide)[len(before):len(before) + len(chunk)]
                               .max(initial=0.0)))
        energy, state = sosfilt(sound._k_weighting(), chunk.astype(np.float64), zi=state)
        np.square(energy, out=energy)
        totals = np.cumsum(energy) + running
        ends = np.arange(_QUARTER - length % _QUARTER, len(chunk) + 1, _QUARTER)
        sums.append(totals[ends - 1] if len(ends) else np.zeros(0))
        running, length = float(totals[-1]) if len(chunk) else running, length + len(chunk)
    cumulative = np.concatenate((*sums, [running]))  # at every quarter's end, and the last
    return sound.gated_loudness(cumulative, length), peak


_QUARTER = 2205  # samples in 100 ms


def _reader(raw: IO[bytes], total: int) -> Chunks:
    def chunks() -> Iterator[np.ndarray]:
        raw.seek(0)
        for _ in range(0, total, _CHUNK):
            yield np.fromfile(raw, dtype=np.float32, count=_CHUNK)
    return chunks


def _write_mp3(chunks: Iterator[np.ndarray], out: Path) -> None:
    """Encode 32-bit float chunks to a 64 kbit/s mono MP3, piped to ffmpeg as they come."""
    command = [sound.FFMPEG, "-nostdin", "-v", "error", "-y", "-f", "s16le",
               "-ar", str(RATE), "-ac", "1", "-i", "pipe:0", "-c:a", "libmp3lame", "-b:a",
               BITRATE, "-ac", "1", "-ar", str(RATE), "-map_metadata", "-1", "-id3v2_version",
               "0", "-write_id3v1", "0", "-fflags", "+bitexact", "-flags:a", "+bitexact",
               "-f", "mp3", str(out)]
    with subprocess.Popen(command, stdin=subprocess.PIPE, stderr=subprocess.PIPE) as encoder:
        assert encoder.stdin is not None
        for chunk in chunks:
            encoder.stdin.write(sound.pcm16(chunk).tobytes())
        encoder.stdin.close()
        errors = encoder.stderr.read() if encoder.stderr else b""
    if encoder.returncode != 0:
        raise RuntimeError(f"ffmpeg could not encode {out}: {errors.decode(errors='replace')}")


def _decoded_mp3(path: Path) -> Iterator[np.ndarray]:
    command = [sound.FFMPEG, "-nostdin", "-v", "error", "-f", "mp3", "-i",
               str(path), "-f", "s16le", "-"]
    with subprocess.Popen(command, stdout=subprocess.PIPE) as decoder:
        assert decoder.stdout is not None
        while block := decoder.stdout.read(2 * _CHUNK):
            yield np.frombuffer(block[: len(block) // 2 * 2], dtype="<i2").astype(
                np.float32) / np.float32(32768)


@functools.cache
def _codec_shortfall() -> float:
    """How much quieter the encoder makes what it encodes (about 0.5 dB with this LAME),
    measured once on a fixed noise so that the same part always gets the same MP3."""
    noise = sosfiltfilt(sound._LOW_PASS, np.random.default_rng(0).normal(0, 0.05, 3 * RATE))
    with tempfile.TemporaryDirectory() as folder:
        probe = Path(folder) / "probe.mp3"
        _write_mp3(iter([noise.astype(np.float32)]), probe)
        heard, _ = _measure(lambda: _decoded_mp3(probe))
        return (sound._loudness(noise) or 0.0) - (heard or 0.0)
