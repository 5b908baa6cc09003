"""The sound of the story: pieces read and stored as samples, recorded clips decoded, a part laid
out, leveled, mastered to -16 LUFS under a true-peak limiter and encoded to MP3.

numpy, scipy, pyloudnorm and pydub take most of a second to import; the faces import the
build (and so this module) only when the kit has to be built, not on a rebuild with nothing
changed (see `kitbuilder.mkdocs.snapshot`).
"""

from __future__ import annotations

import functools
import math
import subprocess
import tempfile
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import imageio_ffmpeg
import mutagen
import numpy as np
import pyloudnorm
from mutagen.mp3 import MP3, BitrateMode
from mutagen.ogg import OggFileType, OggPage
from scipy.ndimage import maximum_filter1d, uniform_filter1d
from scipy.signal import butter, firwin, resample_poly, sosfilt, sosfiltfilt

from kitbuilder.errors import KitError, Problem
from kitbuilder.render.narration import BITRATE, RATE
from kitbuilder.render.timing import samples

if TYPE_CHECKING:
    from kitbuilder.recordings import Recording
    from kitbuilder.render.narration import PartAudio
    from kitbuilder.render.timing import Timing

with warnings.catch_warnings():
    # On import pydub warns that no ffmpeg is on PATH (it gets ours below), and imports
    # audioop, deprecated before Python 3.13 (audioop-lts takes over from 3.13).
    warnings.simplefilter("ignore")
    from pydub import AudioSegment

AudioSegment.converter = imageio_ffmpeg.get_ffmpeg_exe()

TARGET_LUFS = -16.0  # integrated loudness of a whole part
SCENE_LUFS = -20.0  # every piece and scene first, so that they sound alike
MAX_PEAK_DBTP = -1.3  # true peaks of the decoded MP3, a margin under the promised -1 dBFS
CEILING_DBTP = -2.5  # the limiter's: MP3 encoding adds up to about 0.8 dB to the peaks
# Seconds: the limiter starts turning down this long before a peak, and back up as long
# after. Short, as espeak-ng's voice is made of sharp pulses (20 dB above its loudness).
_LOOKAHEAD = 0.002
# What LAME keeps of a 64 kbit/s mono stream at 22 050 Hz, about 8 kHz: band-limited so
# beforehand, the part loses little in encoding of what its master measured.
_LOW_PASS = butter(8, 7500, fs=RATE, output="sos")


# --- Pieces ------------------------------------------------------------------------------------


def decode(clip: Recording, out: Path) -> None:
    """A recorded clip, whatever its format, rate and channels, as the pieces are stored."""
    run = subprocess.run([AudioSegment.converter, "-nostdin", "-v", "error", "-i", str(clip.path),
                          "-vn", "-ac", "1", "-ar", str(RATE), "-f", "s16le", "-"],
                         capture_output=True, check=False)
    samples = np.frombuffer(run.stdout, dtype="<i2")
    errors = run.stderr.decode("utf-8", "replace").strip().splitlines()
    if run.returncode != 0 or not len(samples):
        why = "ce n'est pas un fichier audio lisible" if not len(samples) else "fichier abîmé"
        raise KitError([Problem(Path(clip.shown), None, f"enregistrement illisible : {why}"
                                + (f" ({errors[-1]})" if errors else ""))])
    if _cut_short(clip.path, len(samples) / RATE):
        raise KitError([Problem(Path(clip.shown), None, "enregistrement tronqué : le fichier "
                                "s'arrête avant la fin annoncée (copie interrompue ?)")])
    store(samples.astype(np.float64) / 32768, out)


def _cut_short(path: Path, decoded: float) -> bool:
    """Whether a clip holds less than its header announces (an interrupted copy)."""
    try:
        info = mutagen.File(path)
    except mutagen.MutagenError:
        return True
    if isinstance(info, OggFileType):
        with open(path, "rb") as handle:  # a finished Ogg stream marks its last page
            last = OggPage.find_last(handle, info.info.serial, finishing=True)
        return last is None or not last.last
    if isinstance(info, MP3) and info.info.bitrate_mode == BitrateMode.UNKNOWN:
        return False  # no header that counts the frames: its length is only a guess
    declared = getattr(getattr(info, "info", None), "length", 0) or 0
    return decoded < declared - max(0.1, declared * 0.01)


def read_wav(path: Path) -> np.ndarray:
    """A WAV file as mono float samples at RATE."""
    with open(path, "rb") as handle:  # given a path, pydub would leave the file open
        sound = AudioSegment.from_file(handle, format="wav")
    if sound.channels > 1:
        sound = sound.set_channels(1)
    samples = np.array(sound.get_array_of_samples(), dtype=np.float64)
    samples /= float(1 << (8 * sound.sample_width - 1))
    if sound.frame_rate != RATE:
        common = math.gcd(RATE, sound.frame_rate)
        samples = resample_poly(samples, RATE // common, sound.frame_rate // common)
    return samples


def store(samples: np.ndarray, out: Path) -> None:
    """Samples as the pieces are kept: a 16-bit mono WAV file at RATE."""
    _segment(samples).export(str(out), format="wav").close()


def _segment(samples: np.ndarray) -> AudioSegment:
    """Float samples as 16-bit mono sound at RATE. np.clip only guards the conversion to
    integers: the limiter keeps a part's samples far inside."""
    pcm = np.round(np.clip(samples, -1.0, 32767 / 32768) * 32768).astype("<i2")
    return AudioSegment(data=pcm.tobytes(), sample_width=2, frame_rate=RATE, channels=1)


# --- A part: level, lay out, master, encode -------------------------------------------------------


def assemble(part: PartAudio, pieces: list[list[Path]], timing: Timing) -> np.ndarray:
    """The whole part as float samples: every piece, then every section, at SCENE_LUFS."""
    signal = np.zeros(timing.total)
    for section, files, spans in zip(part.sections, pieces, timing.spans):
        for path, (start, end) in zip(files, spans):
            sound = read_wav(path)[: end - start]
            signal[start:start + len(sound)] = (sound if section.recording
                                                else _leveled(sound, SCENE_LUFS))
        first, last = spans[0][0], spans[-1][1]
        signal[first:last] = _leveled(signal[first:last], SCENE_LUFS)
    return signal


def _master(signal: np.ndarray, peaks: np.ndarray, ceiling: float) -> np.ndarray:
    """The part at TARGET_LUFS with its true peaks (`peaks`, as _true_peaks gives them) under
    `ceiling` dBTP. The limiter takes loudness off the peaks, more as the gain grows, so the
    gain is found by the secant method: three or four passes reach the target within 0.05 LU."""
    loudness = _loudness(signal)
    if loudness is None:
        return signal
    held = _held(peaks)
    tried: list[tuple[float, float]] = []  # (gain, loudness reached)
    gain = TARGET_LUFS - loudness
    for _ in range(8):
        limited = _limited(signal, peaks, held, gain, ceiling)
        reached = _loudness(limited) or TARGET_LUFS
        if abs(TARGET_LUFS - reached) < 0.05:
            break
        tried.append((gain, reached))
        if len(tried) < 2 or tried[-1][1] == tried[-2][1]:
            gain += TARGET_LUFS - reached
        else:
            (g1, l1), (g2, l2) = tried[-2:]
            gain = g2 + (TARGET_LUFS - l2) * (g2 - g1) / (l2 - l1)
    return limited


def _loudness(samples: np.ndarray) -> float | None:
    """Integrated loudness (ITU-R BS.1770-4, as pyloudnorm measures it), or None when too short
    or silent to measure. pyloudnorm's own meter took 0.25-0.6 s on a part (two filter passes,
    a copy, a Python loop over 5,000 blocks) and a part's mastering measures it four to six
    times: the same filters in one pass, and each block's energy summed from its four
    100 ms quarters, give the same figure (to 1e-13 LU) in about 80 ms."""
    if len(samples) < RATE * _BLOCK:
        return None
    energy = sosfilt(_k_weighting(), samples)
    np.square(energy, out=energy)
    # The blocks' bounds in samples, computed as pyloudnorm computes them.
    number = np.arange(int(np.round((len(samples) / RATE - _BLOCK) / (_BLOCK * _STEP))) + 1)
    lower = (_BLOCK * (number * _STEP) * RATE).astype(np.int64)
    upper = np.minimum((_BLOCK * (number * _STEP + 1) * RATE).astype(np.int64), len(samples))
    edges = np.unique(np.concatenate((lower, upper, [len(samples)])))
    quarters = np.append(np.add.reduceat(energy, edges[:-1]), 0.0)
    spans = np.column_stack((np.searchsorted(edges, lower), np.searchsorted(edges, upper)))
    blocks = np.add.reduceat(quarters, spans.ravel())[::2] / (_BLOCK * RATE)
    with np.errstate(divide="ignore"):
        block_lufs = -0.691 + 10 * np.log10(blocks)
    audible = blocks[block_lufs >= _ABSOLUTE_GATE]
    if not len(audible):
        return None
    relative_gate = -0.691 + 10 * math.log10(audible.mean()) - 10
    gated = blocks[(block_lufs > relative_gate) & (block_lufs > _ABSOLUTE_GATE)]
    if not len(gated) or not gated.mean() > 0:
        return None
    return -0.691 + 10 * math.log10(gated.mean())


# BS.1770 gating: 400 ms blocks every 100 ms, absolute gate at -70 LUFS.
_BLOCK, _STEP, _ABSOLUTE_GATE = 0.4, 0.25, -70.0


@functools.cache
def _k_weighting() -> np.ndarray:
    """The K-weighting filter at RATE, as second-order sections: pyloudnorm's two stages."""
    stages = (pyloudnorm.IIRfilter(4.0, 1 / np.sqrt(2), 1500.0, RATE, "high_shelf"),
              pyloudnorm.IIRfilter(0.0, 0.5, 38.0, RATE, "high_pass"))
    return np.array([np.concatenate((stage.b, stage.a)) for stage in stages])


def _leveled(samples: np.ndarray, target: float) -> np.ndarray:
    loudness = _loudness(samples)
    return samples if loudness is None else samples * 10 ** ((target - loudness) / 20)


# A 4x interpolator: a true peak falls between samples (ITU-R BS.1770 annex 2).
_OVERSAMPLING = 4
_INTERPOLATOR = firwin(12 * _OVERSAMPLING + 1, 1 / _OVERSAMPLING) * _OVERSAMPLING


def _true_peaks(signal: np.ndarray) -> np.ndarray:
    """For each sample, the highest magnitude of the signal from it to the next one."""
    peaks = np.abs(signal)
    delay = (len(_INTERPOLATOR) - 1) // 2 // _OVERSAMPLING
    for phase in range(1, _OVERSAMPLING):
        between = np.convolve(signal, _INTERPOLATOR[phase::_OVERSAMPLING])[delay:]
        np.maximum(peaks, np.abs(between[:len(signal)], out=between[:len(signal)]), out=peaks)
    return peaks


def _limited(signal: np.ndarray, peaks: np.ndarray, held: np.ndarray, gain: float,
             ceiling: float) -> np.ndarray:
    """`signal` raised by `gain` dB through a look-ahead limiter: the gain each peak allows,
    held around the peak (minimum filter), then smoothed over no more than that hold, so that
    it stays at or below what every sample allows; turned down around its peaks, never
    clipped. True peaks scale with the signal, so `peaks` is measured once for all gains, and
    so is `held`, their maximum over the hold (_held): the least gain allowed over the hold
    is the gain that maximum allows. Computed in place: each pass over a part's 12 million
    samples costs less than a new array would."""
    level = 10 ** (gain / 20)
    smooth = uniform_filter1d(_allowed(held, level, ceiling), _HOLD, mode="nearest")
    np.minimum(smooth, _allowed(peaks, level, ceiling), out=smooth)  # `smooth` but for rounding
    limited = signal * level
    limited *= smooth
    return limited


def _allowed(peaks: np.ndarray, level: float, ceiling: float) -> np.ndarray:
    """The gain under which each of `peaks`, raised by `level`, stays at `ceiling` dBTP."""
    allowed = np.multiply(peaks, level)
    np.maximum(allowed, 1e-12, out=allowed)
    np.divide(10 ** (ceiling / 20), allowed, out=allowed)
    return np.minimum(allowed, 1.0, out=allowed)


_HOLD = 2 * samples(_LOOKAHEAD) + 1  # samples


def _held(peaks: np.ndarray) -> np.ndarray:
    return maximum_filter1d(peaks, _HOLD, mode="nearest")


def encode(signal: np.ndarray, out: Path) -> None:
    """Master and encode the part, then check the MP3 by decoding it: if its loudness or its
    peaks miss, what they miss is corrected and the part encoded again (rarely needed)."""
    signal = sosfiltfilt(_LOW_PASS, signal)
    peaks = _true_peaks(signal)
    boost, ceiling = _codec_shortfall(), CEILING_DBTP
    for _ in range(3):
        _write_mp3(_master(signal, peaks, ceiling) * 10 ** (boost / 20), out)
        heard = _decoded_mp3(out)
        shortfall = TARGET_LUFS - (_loudness(heard) or TARGET_LUFS)
        excess = 20 * math.log10(max(float(_true_peaks(heard).max()), 1e-12)) - MAX_PEAK_DBTP
        if abs(shortfall) <= 0.2 and excess <= 0:
            return
        boost += shortfall
        ceiling -= max(0.0, excess + shortfall) + (0.2 if excess > 0 else 0.0)


@functools.cache
def _codec_shortfall() -> float:
    """How much quieter the encoder makes what it encodes (about 0.5 dB with this LAME),
    measured once on a fixed noise so that the same part always gets the same MP3."""
    noise = sosfiltfilt(_LOW_PASS, np.random.default_rng(0).normal(0, 0.05, 3 * RATE))
    with tempfile.TemporaryDirectory() as folder:
        probe = Path(folder) / "probe.mp3"
        _write_mp3(noise, probe)
        return (_loudness(noise) or 0.0) - (_loudness(_decoded_mp3(probe)) or 0.0)


def _write_mp3(signal: np.ndarray, out: Path) -> None:
    _segment(signal).export(str(out), format="mp3", codec="libmp3lame", bitrate=BITRATE,
                            parameters=["-ac", "1", "-ar", str(RATE), "-map_metadata", "-1",
                                        "-id3v2_version", "0", "-write_id3v1", "0",
                                        "-fflags", "+bitexact", "-flags:a", "+bitexact"]
                            ).close()


def _decoded_mp3(path: Path) -> np.ndarray:
    run = subprocess.run([AudioSegment.converter, "-nostdin", "-v", "error", "-f", "mp3", "-i",
                          str(path), "-f", "s16le", "-"], capture_output=True, check=True)
    return np.frombuffer(run.stdout, dtype="<i2") / 32768
