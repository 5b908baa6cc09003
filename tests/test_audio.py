"""The story as audio: MP3s decoded with the bundled ffmpeg and measured, tags and chapters read
back with mutagen, the WebVTT transcript parsed, the cache, recorded clips, missing engines."""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
import time
import wave
import zipfile
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pyloudnorm
import pytest
from mkdocs.livereload import LiveReloadServer
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from fixture_kit import FILES, write_kit
from kitbuilder import cli
from kitbuilder.build import BuildResult, build_kit
from kitbuilder.errors import KitError
from kitbuilder.mkdocs.audio import BackgroundAudio
from kitbuilder.recordings import find_recordings
from kitbuilder.render import narration, pages, speech, timing
from kitbuilder.sources import load_kit

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
CLIP_SECONDS = 3.0
MORNING, NIGHT = "recit-1-matin", "recit-2-nuit"


def write_clip(path: Path, seconds: float = CLIP_SECONDS) -> None:
    """A recorded clip as a narrator's recorder makes one: 44.1 kHz stereo WAV, a voice-like
    tone whose level rises and falls four times a second."""
    rate = 44100
    t = np.arange(int(seconds * rate)) / rate
    tone = 0.3 * np.sin(2 * np.pi * 180 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 4 * t))
    stereo = np.stack([tone, 0.8 * tone], axis=1)
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((stereo * 32767).astype("<i2").tobytes())


def decode(path: Path) -> np.ndarray:
    """An MP3 as mono float samples at narration.RATE, decoded by the bundled ffmpeg."""
    run = subprocess.run([FFMPEG, "-nostdin", "-v", "error", "-i", str(path), "-ac", "1",
                          "-ar", str(narration.RATE), "-f", "s16le", "-"], capture_output=True,
                         check=True)
    return np.frombuffer(run.stdout, dtype="<i2") / 32768


def true_peak(path: Path) -> float:
    """ffmpeg's own true-peak measure (ebur128, 4x oversampling), in dBTP."""
    run = subprocess.run([FFMPEG, "-nostdin", "-hide_banner", "-i", str(path), "-af",
                          "ebur128=peak=true", "-f", "null", "-"], capture_output=True, text=True,
                         check=True)
    summary = run.stderr.split("Summary:")[-1]
    return float(re.search(r"True peak:\s+Peak:\s+(-?[\d.]+|-inf)", summary)[1])


@dataclass
class Built:
    root: Path
    result: BuildResult
    progress: list[str]

    def file(self, name: str) -> Path:
        return next(f.path for f in self.result.files if f.name == name)


def build(root: Path, **options) -> Built:
    progress: list[str] = []
    result = build_kit(root / "kit", root / "cache", progress=progress.append, **options)
    return Built(root, result, progress)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The fixture kit, its morning's second scene recorded, built once for this module."""
    root = tmp_path_factory.mktemp("audio")
    write_kit(root)
    write_clip(root / "audio" / "matin" / "2.wav")
    return build(root)


# --- The MP3s -------------------------------------------------------------------------------


def _piece_seconds(engine: speech.Engine, line: narration.Line, folder: Path) -> float:
    """The length of one line said on its own, outside the build."""
    out = folder / "piece.wav"
    engine.synthesize(line.said, line.voice, out)
    with wave.open(str(out)) as sound:
        return sound.getnframes() / sound.getframerate()


def _expected_seconds(part: narration.PartAudio, engine: speech.Engine, folder: Path) -> float:
    total = timing.LEAD + timing.TAIL + timing.BETWEEN_SECTIONS * (len(part.sections) - 1)
    for section in part.sections:
        if section.recording:
            total += CLIP_SECONDS
            continue
        total += sum(_piece_seconds(engine, line, folder) for line in section.lines)
        total += timing.AFTER_FIRST + timing.BETWEEN_LINES * (len(section.lines) - 2)
    return total


def test_duration_is_the_pieces_and_the_pauses(built: Built, tmp_path: Path) -> None:
    kit = load_kit(built.root / "kit")
    engine = speech.find_engine(speech.SpeechConfig())
    found = find_recordings(built.root / "audio", kit.story)
    for part, name in zip(kit.story.parts, (MORNING, NIGHT)):
        plan = narration.part_audio(kit, part, engine, found)
        seconds = len(decode(built.file(f"{name}.mp3"))) / narration.RATE
        assert seconds == pytest.approx(_expected_seconds(plan, engine, tmp_path), abs=0.5)


def test_every_part_is_at_minus_16_lufs_with_peaks_under_minus_1(built: Built) -> None:
    for name in (MORNING, NIGHT):
        mp3 = built.file(f"{name}.mp3")
        samples = decode(mp3)
        loudness = pyloudnorm.Meter(narration.RATE).integrated_loudness(samples)
        assert loudness == pytest.approx(-16, abs=1), name
        assert 20 * np.log10(np.abs(samples).max()) < -1, name
        assert true_peak(mp3) < -1, name


def test_every_scene_is_as_loud_as_the_others(built: Built) -> None:
    samples = decode(built.file(f"{MORNING}.mp3"))
    meter = pyloudnorm.Meter(narration.RATE)
    chapters = sorted(ID3(built.file(f"{MORNING}.mp3")).getall("CHAP"),
                      key=lambda c: c.start_time)
    levels = [meter.integrated_loudness(samples[c.start_time * narration.RATE // 1000:
                                                c.end_time * narration.RATE // 1000])
              for c in chapters]
    assert len(levels) == 2  # a synthesized scene and a recorded one
    assert max(levels) - min(levels) < 2, levels


def test_tags_and_one_chapter_per_scene(built: Built) -> None:
    kit = built.result.kit
    for part, name in zip(kit.story.parts, (MORNING, NIGHT)):
        mp3 = MP3(built.file(f"{name}.mp3"))
        assert mp3.info.channels == 1 and mp3.info.bitrate >= 64000
        tags = mp3.tags
        assert tags.version[:2] == (2, 3)
        assert str(tags["TIT2"]) == f"24\u00a0h en Ehpad\u00a0: {part.title}"
        assert str(tags["TALB"]) == "Discuter du travail"
        assert str(tags["TPE1"]) == "Mieux-être & Travail"
        assert str(tags["TRCK"]) == f"{part.number}/2"
        assert str(tags["TLAN"]) == "fra"
        chapters = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
        assert [str(c.sub_frames["TIT2"]) for c in chapters] == [s.title for s in part.scenes]
        (toc,) = tags.getall("CTOC")
        assert list(toc.child_element_ids) == [c.element_id for c in chapters]
        assert all(a.end_time == b.start_time for a, b in itertools.pairwise(chapters))
        assert chapters[-1].end_time == pytest.approx(mp3.info.length * 1000, abs=150)


def test_a_recorded_clip_voices_its_scene_and_the_tags_and_log_say_so(built: Built) -> None:
    tags = ID3(built.file(f"{MORNING}.mp3"))
    first, second = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
    assert "synthèse espeak-ng" in str(first.sub_frames["TIT3"])
    assert "enregistrement audio/matin/2.wav" in str(second.sub_frames["TIT3"])
    assert (second.end_time - second.start_time) / 1000 == pytest.approx(
        CLIP_SECONDS + timing.TAIL, abs=0.05)
    assert "enregistrement audio/matin/2.wav" in str(tags.getall("COMM")[0])
    narration = built.result.narration[0]
    assert "synthèse espeak-ng" in narration and "ouverture, scène\u00a01" not in narration
    assert "enregistrement audio/matin/2.wav\u00a0: scène 2" in narration
    assert any("scène 2 sur 2, enregistrement audio/matin/2.wav" in m for m in built.progress)
    assert any("scène 1 sur 2, voix de synthèse espeak-ng" in m for m in built.progress)


# --- The transcript -------------------------------------------------------------------------

_TIMING = re.compile(r"^(\d\d):(\d\d):(\d\d)\.(\d{3}) --> (\d\d):(\d\d):(\d\d)\.(\d{3})$")


def parse_vtt(text: str) -> list[tuple[str, float, float, str]]:
    """Strictly: the header, then blocks of an identifier, a timing line and one text line."""
    header, *blocks = text.strip("\n").split("\n\n")
    assert header.startswith("WEBVTT") and header.split("\n")[0][6:7] in ("", " ")
    cues = []
    for block in blocks:
        ident, timing, *lines = block.split("\n")
        assert "-->" not in ident and len(lines) == 1 and lines[0].strip()
        m = _TIMING.match(timing)
        assert m, timing
        h1, m1, s1, ms1, h2, m2, s2, ms2 = map(int, m.groups())
        start, end = h1 * 3600 + m1 * 60 + s1 + ms1 / 1000, h2 * 3600 + m2 * 60 + s2 + ms2 / 1000
        assert not re.search(r"&(?!amp;|lt;|gt;)|<(?!v )", lines[0]), lines[0]
        cues.append((ident, start, end, lines[0]))
    return cues


def test_transcript_follows_the_audio(built: Built) -> None:
    morning = built.result.kit.story.parts[0]
    cues = parse_vtt(built.file(f"{MORNING}.vtt").read_text(encoding="utf-8"))
    assert len({ident for ident, *_ in cues}) == len(cues)
    assert all(start < end for _, start, end, _ in cues)
    assert all(a[2] <= b[1] for a, b in itertools.pairwise(cues))
    assert cues[-1][2] < len(decode(built.file(f"{MORNING}.mp3"))) / narration.RATE
    texts = [text for *_, text in cues]
    assert texts[0] == "24\u00a0h en Ehpad. Première partie\u00a0: le matin."
    assert texts[1] == "La résidence s’éveille."
    assert texts[2] == morning.scenes[0].title
    assert "<v Sabrina>Tu as vu, M. Lefèvre a mal dormi." in texts
    assert texts[-2:] == [morning.scenes[1].title,
                          "Les chariots sont prêts\u202f; la tournée commence."]
    chapters = sorted(ID3(built.file(f"{MORNING}.mp3")).getall("CHAP"),
                      key=lambda c: c.start_time)
    firsts = [start for ident, start, *_ in cues if ident.endswith("-1")][1:]
    assert [round(s * 1000) for s in firsts] == [c.start_time for c in chapters]


# --- The web page and the zip ---------------------------------------------------------------


def test_part_page_has_a_player_chapters_anchors_and_the_transcript(built: Built) -> None:
    page = built.result.pages["recit/matin.md"]
    assert ('<audio class="kit-audio" controls preload="metadata" '
            'src="../fichiers/recit-1-matin.mp3"></audio>') in page
    assert "autoplay" not in page and "<script" not in page
    assert "(../fichiers/recit-1-matin.vtt)" in page
    starts = [float(s) for s in re.findall(r'data-kit-start="([\d.]+)"', page)]
    chapters = sorted(ID3(built.file(f"{MORNING}.mp3")).getall("CHAP"),
                      key=lambda c: c.start_time)
    assert starts == [c.start_time / 1000 for c in chapters]
    assert re.findall(r'href="#(scene-\d)"', page) == ["scene-1", "scene-2"]
    assert page.index('id="scene-2"') < page.index("## 7\u00a0h\u00a030")
    assert "Tu as vu, M. Lefèvre a mal dormi." in page  # the full text is the transcript


def test_zip_holds_the_audio_and_transcripts(built: Built) -> None:
    bundle = built.file("kit-test.zip")
    with zipfile.ZipFile(bundle) as archive:
        info = archive.getinfo(f"kit-test/{MORNING}.mp3")
        assert info.compress_type == zipfile.ZIP_STORED
        assert archive.read(f"kit-test/{MORNING}.mp3") == built.file(f"{MORNING}.mp3").read_bytes()
        assert f"kit-test/{NIGHT}.vtt" in archive.namelist()
        assert "recit-2-nuit.vtt" in archive.read("kit-test/LISEZMOI.txt").decode()


# --- The cache ------------------------------------------------------------------------------


def test_nothing_changed_means_no_audio_work(built: Built) -> None:
    started = time.monotonic()
    again = build(built.root)
    assert again.result.generated == [] and again.progress == []
    assert time.monotonic() - started < 2


def test_only_what_changed_is_said_again(tmp_path: Path) -> None:
    write_kit(tmp_path)
    build(tmp_path)
    manifest = FILES["kit.yml"] + "lexicon: prononciation.yml\n"
    changed = write_kit(tmp_path, {**FILES, "kit.yml": manifest,
                                   "prononciation.yml": "M.: monsieur\n"})
    assert load_kit(changed).lexicon == (("M.", "monsieur"),)
    again = build(tmp_path)
    # Only the morning's first scene says « M. »: only it is said again, and only its part.
    assert again.progress[:1] == ["audio «\u00a024\u00a0h en Ehpad\u00a0: Le matin\u00a0» "
                                  "(1/2)\u00a0: scène 1 sur 2, voix de synthèse espeak-ng "
                                  + speech.Espeak().version]
    assert [m for m in again.progress if "La nuit" in m] == []
    # (The complete PDF carries the whole kit, lexicon included: it is made again too.)
    assert [n for n in again.result.generated if n.endswith((".mp3", ".vtt"))] == [
        f"{MORNING}.mp3", f"{MORNING}.vtt"]


def test_serve_leaves_missing_audio_for_later(tmp_path: Path) -> None:
    write_kit(tmp_path)
    early = build(tmp_path, wait_for_audio=False)
    assert early.result.audio_pending == (f"{MORNING}.mp3", f"{MORNING}.vtt", f"{NIGHT}.mp3",
                                          f"{NIGHT}.vtt")
    assert early.progress == [] and "<audio" not in early.result.pages["recit/matin.md"]
    assert 'id="scene-1"' in early.result.pages["recit/matin.md"]
    server = LiveReloadServer(builder=lambda: None, host="127.0.0.1", port=0, root=str(tmp_path))
    background = BackgroundAudio()
    ready = tmp_path / "cache" / "audio-ready"
    background.make(lambda **options: build(tmp_path, **options).result,
                    early.result.audio_pending)
    assert not ready.exists()  # waits for the server to watch for its end
    try:
        background.watch(server, ready)
        for _ in range(600):
            if (ready / "stamp").is_file():
                break
            time.sleep(0.1)
    finally:
        server.server_close()
    assert (ready / "stamp").is_file()
    later = build(tmp_path, wait_for_audio=False)
    assert later.result.audio_pending == () and "<audio" in later.result.pages["recit/matin.md"]


# --- Recorded clips that cannot be used -----------------------------------------------------


def _fails(root: Path, *parts: str) -> str:
    with pytest.raises(KitError) as caught:
        build(root)
    message = str(caught.value)
    for part in parts:
        assert part in message, message
    return message


def test_a_clip_that_is_not_audio_is_named(tmp_path: Path) -> None:
    write_kit(tmp_path)
    (tmp_path / "audio" / "nuit").mkdir(parents=True)
    (tmp_path / "audio" / "nuit" / "1.mp3").write_text("pas du son")
    _fails(tmp_path, "audio/nuit/1.mp3", "illisible")


@pytest.mark.parametrize("kind", ["wav", "mp3"])
def test_a_truncated_clip_is_named(tmp_path: Path, kind: str) -> None:
    write_kit(tmp_path)
    clip = tmp_path / "audio" / "nuit" / f"1.{kind}"
    write_clip(tmp_path / "whole.wav", seconds=4)
    clip.parent.mkdir(parents=True)
    subprocess.run([FFMPEG, "-v", "error", "-i", str(tmp_path / "whole.wav"), str(clip)],
                   check=True)
    data = clip.read_bytes()
    clip.write_bytes(data[: len(data) // 2])
    _fails(tmp_path, f"audio/nuit/1.{kind}")


def test_misnamed_clips_are_named(tmp_path: Path) -> None:
    write_kit(tmp_path)
    write_clip(tmp_path / "audio" / "nuit" / "3.wav")
    write_clip(tmp_path / "audio" / "soir" / "1.wav")
    write_clip(tmp_path / "audio" / "matin" / "premiere.wav")
    (tmp_path / "audio" / "matin" / "notes.txt").write_text("à réenregistrer")
    message = _fails(tmp_path, "audio/nuit/3.wav", "audio/soir", "audio/matin/premiere.wav")
    assert "notes.txt" not in message


def test_the_audio_folder_is_an_option_and_any_format_will_do(tmp_path: Path) -> None:
    write_kit(tmp_path)
    write_clip(tmp_path / "whole.wav")
    clip = tmp_path / "enregistrements" / "nuit" / "01.ogg"
    clip.parent.mkdir(parents=True)
    subprocess.run([FFMPEG, "-v", "error", "-i", str(tmp_path / "whole.wav"), "-c:a",
                    "libvorbis", str(clip)], check=True)
    voiced = build(tmp_path, audio_dir=tmp_path / "enregistrements")
    assert "enregistrement enregistrements/nuit/01.ogg\u00a0: scène 1" in voiced.result.narration[1]


# --- Engines --------------------------------------------------------------------------------


def test_a_missing_engine_is_a_clear_message(kit_dir: Path, tmp_path: Path, capsys,
                                             monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    args = ["--kit", str(kit_dir), "build", "--out", str(tmp_path / "out"),
            "--cache", str(tmp_path / "cache")]
    assert cli.main(args) == 1
    err = capsys.readouterr().err
    assert "espeak-ng" in err and "introuvable" in err and "Traceback" not in err


def test_a_missing_piper_voice_or_command_is_named(tmp_path: Path) -> None:
    voice = tmp_path / "fr_FR-voix-medium.onnx"
    with pytest.raises(KitError, match="fr_FR-voix-medium.onnx.*voix Piper introuvable"):
        speech.find_engine(speech.SpeechConfig(voice))
    voice.write_bytes(b"onnx")
    with pytest.raises(KitError, match=r"\.onnx\.json"):
        speech.find_engine(speech.SpeechConfig(voice))
    Path(f"{voice}.json").write_text('{"num_speakers": 1}')
    with pytest.raises(KitError, match="piper-absent.*commande Piper introuvable"):
        speech.find_engine(speech.SpeechConfig(voice, "piper-absent"))


@pytest.mark.skipif(not os.environ.get("KITBUILDER_PIPER_VOICE"),
                    reason="KITBUILDER_PIPER_VOICE names no real Piper voice (.onnx) to try; "
                           "test_voice.py tests Piper with a voice it makes")
def test_piper_voices_the_story_with_a_real_voice_when_given_one(tmp_path: Path) -> None:
    write_kit(tmp_path)
    voiced = build(tmp_path, speech=speech.SpeechConfig(
        Path(os.environ["KITBUILDER_PIPER_VOICE"]), str(Path(sys.executable).with_name("piper"))))
    assert "synthèse piper" in voiced.result.narration[0]
    assert len(decode(voiced.file(f"{NIGHT}.mp3"))) > narration.RATE * 3


def test_lexicon_times_and_punctuation_are_said_plainly() -> None:
    lexicon = (("Ehpad", "é-pade"), ("M.", "monsieur"), ("IDEC", "i-dèque"))
    said = speech.speakable("24\u00a0h en Ehpad\u00a0: M.\u00a0Lefèvre voit l’IDEC à "
                            "7\u00a0h\u00a005 — enfin.", lexicon)
    assert said == "24 heures en é-pade : monsieur Lefèvre voit l'i-dèque à 7 heures 5, enfin."
    assert speech.speakable("— Oui, à 1\u00a0h.", ()) == "Oui, à 1 heure."
    # A lexicon entry is a whole word, and what it says is not read again by another entry.
    assert speech.speakable("Mme Ehpadine", (("Mme", "madame Ehpad"), ("Ehpad", "X"))) == \
        "madame Ehpad Ehpadine"


def test_each_speaker_has_a_voice_of_their_own() -> None:
    engine = speech.Espeak()
    narrator = engine.voice(None)
    assert engine.voice("Sabrina") == engine.voice("Sabrina") == engine.voice(" sabrina ")
    assert narrator not in {engine.voice(name) for name in ("Sabrina", "Karim", "Nadia")}
    assert engine.voice("Sabrina").args == ("-v", "fr+m6", "-p", "42")  # on every machine


def test_announcement_names_the_story_and_the_part() -> None:
    assert narration.announcement("24\u00a0h en Ehpad", 3, 3, "La nuit") == \
        "24\u00a0h en Ehpad. Troisième partie\u00a0: la nuit."
    assert narration.announcement("Récit", 1, 1, "IDEC") == "Récit. IDEC."


def test_pages_without_audio_have_no_player(built: Built) -> None:
    kit = built.result.kit
    assert "<audio" not in pages.part(kit, kit.story.parts[0])


def test_our_loudness_meter_measures_as_pyloudnorm_does() -> None:
    """render.sound measures loudness with its own, faster meter: the same BS.1770 figure."""
    from kitbuilder.render import sound

    rng = np.random.default_rng(7)
    rate = narration.RATE
    speechlike = rng.normal(0, 0.1, 80 * 5512) * np.repeat(rng.uniform(0, 1, 80), 5512)
    with_silence = np.concatenate([np.zeros(3 * rate), rng.normal(0, 0.02, 5 * rate)])
    odd_length = rng.normal(0, 0.3, int(2.37 * rate))
    for samples in (speechlike, with_silence, odd_length):
        expected = pyloudnorm.Meter(rate).integrated_loudness(samples)
        assert sound._loudness(samples) == pytest.approx(expected, abs=1e-9)
    assert sound._loudness(np.zeros(2 * rate)) is None  # silent: nothing to measure
    assert sound._loudness(np.ones(rate // 4)) is None  # shorter than one 400 ms block
