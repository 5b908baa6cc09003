"""The sound of the story: pieces read and stored as samples, recorded clips decoded, and the
tools a part is mastered with (render.master): the loudness meter, the true-peak limiter.

numpy, scipy, pyloudnorm and pydub take most of a second to import; the faces import the
build (and so this module) only when the kit has to be built, not on a rebuild with nothing
changed (see `kitbuilder.mkdocs.snapshot`).
"""

from __future__ import annotations

import functools
import math
import subprocess
import warnings
import wave
from pathlib import Path
from typing import TYPE_CHECKING, Any

import imageio_ffmpeg
import mutagen
import numpy as np
import pyloudnorm
from mutagen.mp3 import MP3, BitrateMode
from mutagen.ogg import OggFileType, OggPage
from scipy.ndimage import maximum_filter1d, uniform_filter1d
from scipy.signal import butter, firwin, resample_poly, sosfilt

from kitbuilder.errors import KitError, Problem
from kitbuilder.render.narration import RATE
from kitbuilder.render.timing import samples

if TYPE_CHECKING:
    from kitbuilder.recordings import Recording

with warnings.catch_warnings():
    # On import pydub warns that no ffmpeg is on PATH (it gets ours below), and imports
    # audioop, deprecated before Python 3.13 (audioop-lts takes over from 3.13).
    warnings.simplefilter("ignore")
    from pydub import AudioSegment

AudioSegment.converter = imageio_ffmpeg.get_ffmpeg_exe()
FFMPEG: str = AudioSegment.converter  # the bundled ffmpeg, for the mastering's pipes

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
    stream: Any = info.info if info is not None else None  # mutagen types it as None
    if isinstance(info, OggFileType):
        with open(path, "rb") as handle:  # a finished Ogg stream marks its last page
            last = OggPage.find_last(handle, stream.serial, finishing=True)
        return last is None or not last.last
    if isinstance(info, MP3) and stream.bitrate_mode == BitrateMode.UNKNOWN:
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
    """Float samples as 16-bit mono sound at RATE."""
    return AudioSegment(data=pcm16(samples).tobytes(), sample_width=2, frame_rate=RATE,
                        channels=1)


def pcm16(samples: np.ndarray) -> np.ndarray:
    """Float samples as 16-bit integers. np.clip only guards the conversion to integers: the
    limiter keeps a part's samples far inside."""
    pcm: np.ndarray = np.round(np.clip(samples, -1.0, 32767 / 32768) * 32768).astype("<i2")
    return pcm


def read_pcm(path: Path) -> np.ndarray:
    """A piece as kept (16-bit mono WAV at RATE) as its 16-bit samples."""
    with wave.open(str(path), "rb") as sound:
        return np.frombuffer(sound.readframes(sound.getnframes()), dtype="<i2")


def store_pcm(samples: np.ndarray, out: Path) -> None:
    """16-bit samples at RATE as the pieces are kept."""
    with wave.open(str(out), "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(RATE)
        sound.writeframes(np.asarray(samples, dtype="<i2").tobytes())


# --- A part: level, lay out, master, encode -------------------------------------------------------


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
    return _gated(np.add.reduceat(quarters, spans.ravel())[::2] / (_BLOCK * RATE))


def gated_loudness(cumulative: np.ndarray, length: int) -> float | None:
    """Integrated loudness of `length` samples from their K-weighted energy summed from the
    start to the end of each 100 ms quarter (and, last, to the end): the meter of a part
    streamed in chunks (render.master), with _loudness's blocks and gates."""
    if length < RATE * _BLOCK:
        return None
    quarter = round(RATE * _BLOCK * _STEP)
    number = np.arange(int(np.round((length / RATE - _BLOCK) / (_BLOCK * _STEP))) + 1)
    lower = number * quarter
    upper = np.minimum(lower + 4 * quarter, length)

    def at(bound: np.ndarray) -> np.ndarray:
        index = np.where(bound >= length, len(cumulative) - 1, bound // quarter - 1)
        return np.where(bound == 0, 0.0, cumulative[np.maximum(index, 0)])

    return _gated((at(upper) - at(lower)) / (_BLOCK * RATE))


def _gated(blocks: np.ndarray) -> float | None:
    """The gated mean of the blocks' energies (BS.1770), in LUFS."""
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
    peaks: np.ndarray = np.abs(signal)
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
    allowed: np.ndarray = np.multiply(peaks, level)
    np.maximum(allowed, 1e-12, out=allowed)
    np.divide(10 ** (ceiling / 20), allowed, out=allowed)
    np.minimum(allowed, 1.0, out=allowed)
    return allowed


_HOLD = 2 * samples(_LOOKAHEAD) + 1  # samples


def _held(peaks: np.ndarray) -> np.ndarray:
    return maximum_filter1d(peaks, _HOLD, mode="nearest")
