"""Voices of the story (issue 13): the voices file checked with its lines, a voice per
character measured on the decoded MP3, stored narration reused and voiced again only where it
changed, recordings first, the pages and tags saying how each scene was voiced, Kokoro on a
sentence. espeak-ng says the builds (fast); Kokoro says two short sentences."""

from __future__ import annotations

import importlib.util
import json
import math
import re
import subprocess
import sys
import wave
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import onnx
import pytest
from mutagen.id3 import ID3
from onnx import TensorProto, helper, numpy_helper
from piper.phoneme_ids import DEFAULT_PHONEME_ID_MAP

from fixture_kit import FILES, write_kit
from kitbuilder.build import build_kit
from kitbuilder.errors import KitError
from kitbuilder.render import narration, stored
from kitbuilder.render.speech import SpeechConfig, find_engine
from kitbuilder.sources import load_kit
from kitbuilder.voices import PALETTE

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
ESPEAK = SpeechConfig(engine="espeak-ng", store=True)

MORNING = """\
# Le matin

La résidence s'éveille.

## 6 h 45 — Salle de transmissions

L'équipe de nuit passe le relais.

**Sabrina** : Tu as vu, madame Lefèvre a mal dormi cette nuit, elle a appelé trois fois.

**Karim** : Je passerai la voir avant le petit-déjeuner, et je préviendrai l'infirmière.

## 7 h 30 — Couloir du premier étage

Les chariots sont prêts ; la tournée commence.

## Questions pour le groupe

1. Qu'est-ce qui vous a frappé ?
"""

VOICES = """\
narration: alpha
personnages:
  Sabrina: nezumi
  Karim: kumo
"""


def kit_with(root: Path, voices: str = VOICES, morning: str = MORNING) -> Path:
    return write_kit(root, {**FILES, "kit.yml": FILES["kit.yml"] + "voices: voix.yml\n",
                            "voix.yml": voices, "recit/matin.md": morning})


def build(root: Path, cache: str = "cache") -> tuple[object, list[str]]:
    progress: list[str] = []
    result = build_kit(root / "kit", root / cache, speech=ESPEAK, progress=progress.append)
    return result, progress


# --- The voices file ---------------------------------------------------------------------------


@pytest.mark.parametrize(("voices", "line", "message"), [
    ("narration: alpa\n", 1, "voix inconnue « alpa » ; vouliez-vous dire « alpha » ?"),
    (VOICES.replace("Karim: kumo", "Karim: grave"), 4, "voix inconnue « grave »"),
    (VOICES.replace("Karim:", "Karin:"), 4,
     "personne ne s’appelle « Karin » dans les dialogues du récit ; vouliez-vous dire « Karim »"),
    (VOICES.replace("Sabrina: nezumi", "Sabrina: [nezumi]"), 3, "texte attendu"),
    ("personnages:\n  Karim: kumo\n", None, "il manque la clé obligatoire « narration »"),
])
def test_the_voices_file_is_checked_with_its_lines(tmp_path: Path, voices: str,
                                                    line: int | None, message: str) -> None:
    with pytest.raises(KitError) as caught:
        load_kit(kit_with(tmp_path, voices))
    shown = [str(problem).replace("\u00a0", " ").replace("\u202f", " ")
             for problem in caught.value.problems]
    where = f"voix.yml:{line}:" if line else "voix.yml"
    assert any(where in text and message in text for text in shown), shown


def test_a_character_without_a_voice_speaks_with_the_narrator(tmp_path: Path) -> None:
    kit = load_kit(kit_with(tmp_path, "narration: tebukuro\npersonnages:\n  Karim: kumo\n"))
    engine = find_engine(ESPEAK)
    plan = narration.part_audio(kit, kit.story.parts[0], engine, {})
    voices = {line.speaker: line.voice for line in plan.sections[1].lines}
    assert voices["Sabrina"] == voices[None] == engine.voice(None, "tebukuro")
    assert voices["Karim"] != voices[None]


def test_every_reading_of_the_kits_lexicon_is_said_as_words(tmp_path: Path) -> None:
    """espeak-ng phonemizes for every engine (Kokoro through kokoro-onnx): a reading must not
    be spelt out letter by letter (« é-pade » after « l' » was « e accent aigu pade ») nor
    switch to English. « l' » comes only before a vowel or an h, as in French: before a
    consonant (« l'planinng », which no text holds) espeak-ng takes the word for English."""
    kit = load_kit(Path(__file__).resolve().parent.parent / "kit")
    said = []
    for written, reading in kit.lexicon:
        elided = [f"l'{reading}"] if reading[0].lower() in "aeiouyhéèêàâîôû" else []
        for context in (*elided, f"de {reading}", reading):
            run = subprocess.run(["espeak-ng", "-v", "fr", "-x", "-q", context],
                                 capture_output=True, text=True, check=True)
            said.append((written, context, run.stdout.strip()))
    bad = [s for s in said if "aksA~tEg" in s[2] or ("(en)" in s[2] and s[0][0].isalpha())]
    assert not bad, bad


def test_no_word_of_the_story_is_read_in_english() -> None:
    """espeak-ng's French dictionary reads a few French words the English way (« dos » as
    the system DOS, « parking », « planning », « qu'hier »), and Kokoro said its language
    marks as sounds (« le dos » was heard « endossfr »): the lexicon gives each a French
    reading, so that every line of the story, as said, is phonemized in French."""
    kit = load_kit(Path(__file__).resolve().parent.parent / "kit")
    engine = find_engine(SpeechConfig(engine="espeak-ng"))
    lines = [line.said for part in kit.story.parts
             for section in narration.part_audio(kit, part, engine, {}).sections
             for line in section.lines]
    run = subprocess.run(["espeak-ng", "-v", "fr", "-x", "-q", "--stdin"],
                         input="\n\n".join(lines), capture_output=True, text=True, check=True)
    assert "(en)" not in run.stdout, re.findall(r"\S*\(en\)\S*", run.stdout)


def test_a_lexicon_entry_matches_either_apostrophe() -> None:
    from kitbuilder.render.speech import speakable

    lexicon = (("qu'hier", "qu'yère"), ("dos", "dau"))
    assert speakable("Plus rouge qu\u2019hier, le dos, le dossier.", lexicon) == (
        "Plus rouge qu'yère, le dau, le dossier.")


def test_kokoro_is_given_no_language_marks() -> None:
    from kitbuilder.render.kokoro import french_phonemes

    class Tokenizer:
        def phonemize(self, text: str, language: str) -> str:
            return "lə (en)dˈɒs(fr) ˈɛ dy (en-us)pˈɑːkɪŋ(fr)."

    assert french_phonemes(Tokenizer(), "le dos et du parking.") == "lə dˈɒs ˈɛ dy pˈɑːkɪŋ."


# --- Voices measured on the decoded audio --------------------------------------------------------


def pitch(samples: np.ndarray, rate: int) -> float:
    """Median fundamental frequency (Hz) of the voiced frames, by autocorrelation."""
    frame, hop = int(0.04 * rate), int(0.01 * rate)
    lags = np.arange(rate // 400, rate // 60)
    found = []
    loud = np.sqrt(np.mean(samples ** 2))
    for start in range(0, len(samples) - frame, hop):
        x = samples[start:start + frame] - samples[start:start + frame].mean()
        if np.sqrt(np.mean(x ** 2)) < loud:
            continue
        ac = np.correlate(x, x, "full")[frame - 1:]
        best = lags[np.argmax(ac[lags])]
        if ac[best] > 0.4 * ac[0]:
            found.append(rate / best)
    return float(np.median(found))


def decoded(path: Path, rate: int = 22050) -> np.ndarray:
    run = subprocess.run([FFMPEG, "-nostdin", "-v", "error", "-i", str(path), "-ac", "1", "-ar",
                          str(rate), "-f", "s16le", "-"], capture_output=True, check=True)
    return np.frombuffer(run.stdout, dtype="<i2") / 32768


def cue_spans(vtt: str, speaker: str) -> list[tuple[float, float]]:
    def seconds(clock: str) -> float:
        h, m, s = clock.split(":")
        return int(h) * 3600 + int(m) * 60 + float(s)
    return [(seconds(a), seconds(b)) for a, b in
            re.findall(rf"(\S+) --> (\S+)\n<v {speaker}>", vtt)]


def test_two_characters_have_different_voices_in_the_mp3(tmp_path: Path) -> None:
    kit_with(tmp_path)
    result, _ = build(tmp_path)
    files = {f.name: f.path for f in result.files}
    samples = decoded(files["recit-1-matin.mp3"])
    vtt = files["recit-1-matin.vtt"].read_text(encoding="utf-8")
    heard = {}
    for speaker in ("Sabrina", "Karim"):
        (start, end), = cue_spans(vtt, speaker)
        heard[speaker] = pitch(samples[int(start * 22050):int(end * 22050)], 22050)
    # A woman's voice (nezumi) and a man's (kumo): espeak-ng's variants of each kind.
    assert heard["Sabrina"] > 1.25 * heard["Karim"], heard


@pytest.mark.skipif(importlib.util.find_spec("kokoro_onnx") is None,
                    reason="Kokoro is not installed (./scripts/build installs it)")
def test_kokoro_says_a_sentence_with_a_womans_and_a_mans_voice(tmp_path: Path) -> None:
    engine = find_engine(SpeechConfig(engine="kokoro"), tmp_path / "models")
    assert engine.name == "kokoro" and "Apache-2.0" in engine.licence
    heard = {}
    for voice in ("alpha", "kumo"):
        out = tmp_path / f"{voice}.wav"
        engine.synthesize("Bonjour à toutes et à tous.", engine.voice(None, voice), out)
        with wave.open(str(out)) as sound:
            rate = sound.getframerate()
            samples = np.frombuffer(sound.readframes(sound.getnframes()), "<i2") / 32768
        assert 0.8 < len(samples) / rate < 4  # a short sentence, said in full
        heard[voice] = pitch(samples, rate)
    assert heard["alpha"] > 1.25 * heard["kumo"], heard


# --- Piper, with a voice made here ----------------------------------------------------------------

PIPER_RATE, PIPER_SPEAKERS, SAMPLES_PER_PHONEME = 22050, 8, 1100


def tiny_piper_voice(path: Path) -> None:
    """A Piper voice as small as a voice can be: the ONNX interface of a real one (phoneme ids,
    lengths, scales and a speaker in; samples out) and its .onnx.json. Speaker n says a pure
    tone of 110 + 40 n Hz, 50 ms per phoneme, so what Piper was asked is heard in the audio."""
    def const(name: str, value: np.ndarray) -> onnx.NodeProto:
        return helper.make_node("Constant", [], [name], value=numpy_helper.from_array(value, name))

    f32, i64 = np.float32, np.int64
    nodes = [
        helper.make_node("Shape", ["input"], ["shape"]),
        const("second", np.array(1, i64)),
        helper.make_node("Gather", ["shape", "second"], ["phonemes"], axis=0),
        const("hop", np.array(SAMPLES_PER_PHONEME, i64)),
        helper.make_node("Mul", ["phonemes", "hop"], ["count"]),
        helper.make_node("Cast", ["count"], ["count_f"], to=TensorProto.FLOAT),
        const("zero", np.array(0, f32)),
        const("one", np.array(1, f32)),
        helper.make_node("Range", ["zero", "count_f", "one"], ["t"]),
        helper.make_node("Cast", ["sid"], ["sid_f"], to=TensorProto.FLOAT),
        const("step", np.array([40], f32)),
        helper.make_node("Mul", ["sid_f", "step"], ["rise"]),
        const("base", np.array([110], f32)),
        helper.make_node("Add", ["rise", "base"], ["hertz"]),
        const("omega", np.array([2 * math.pi / PIPER_RATE], f32)),
        helper.make_node("Mul", ["hertz", "omega"], ["speed"]),
        helper.make_node("Mul", ["t", "speed"], ["phase"]),
        helper.make_node("Sin", ["phase"], ["tone"]),
        const("gain", np.array([0.5], f32)),
        helper.make_node("Mul", ["tone", "gain"], ["quiet"]),
        const("dims", np.array([1, 1, -1], i64)),
        helper.make_node("Reshape", ["quiet", "dims"], ["output"]),
    ]
    graph = helper.make_graph(nodes, "tiny-piper", [
        helper.make_tensor_value_info("input", TensorProto.INT64, [1, None]),
        helper.make_tensor_value_info("input_lengths", TensorProto.INT64, [1]),
        helper.make_tensor_value_info("scales", TensorProto.FLOAT, [3]),
        helper.make_tensor_value_info("sid", TensorProto.INT64, [1]),
    ], [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 1, None])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    onnx.checker.check_model(model)
    onnx.save(model, path)
    Path(f"{path}.json").write_text(json.dumps({
        "audio": {"sample_rate": PIPER_RATE}, "espeak": {"voice": "fr"},
        "phoneme_type": "espeak", "num_symbols": 256, "num_speakers": PIPER_SPEAKERS,
        "phoneme_id_map": DEFAULT_PHONEME_ID_MAP,
        "inference": {"noise_scale": 0.667, "length_scale": 1, "noise_w": 0.8}}),
        encoding="utf-8")


def test_piper_says_the_story_with_a_speaker_per_voice_of_the_voices_file(
        tmp_path: Path) -> None:
    """The real `piper` program (piper-tts), on a voice made above: the narrator (alpha), Sabrina
    (nezumi) and Karim (kumo) are each said by the speaker the voices file gives them."""
    kit_with(tmp_path)
    voice = tmp_path / "fr_FR-petite-x_low.onnx"
    tiny_piper_voice(voice)
    piper = SpeechConfig(voice, str(Path(sys.executable).with_name("piper")))
    result = build_kit(tmp_path / "kit", tmp_path / "cache", speech=piper)
    assert "synthèse piper" in result.narration[0]
    files = {f.name: f.path for f in result.files}
    samples = decoded(files["recit-1-matin.mp3"])
    vtt = files["recit-1-matin.vtt"].read_text(encoding="utf-8")
    speakers = list(PALETTE)  # the palette's voices take Piper's speakers in order
    expected = {"Sabrina": speakers.index("nezumi"), "Karim": speakers.index("kumo")}
    for speaker, number in expected.items():
        (start, end), = cue_spans(vtt, speaker)
        heard = pitch(samples[int(start * 22050):int(end * 22050)], 22050)
        assert heard == pytest.approx(110 + 40 * number, rel=0.03), (speaker, heard)
        # Said in full: about one phoneme every 50 ms, as many as a French line has.
        assert 2 < end - start < 12
    start, _ = cue_spans(vtt, "Sabrina")[0]
    narrator = pitch(samples[int(0.5 * 22050):int(start * 22050)], 22050)
    assert narrator == pytest.approx(110 + 40 * speakers.index("alpha"), rel=0.03)


# --- Stored narration ---------------------------------------------------------------------------


def stored_files(root: Path) -> dict[str, float]:
    folder = root / "audio" / stored.FOLDER
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns
            for p in sorted(folder.rglob("*.opus"))}


def synthesized(progress: list[str]) -> list[str]:
    return [m for m in progress if "voix de synthèse" in m]


def test_stored_scenes_are_reused_and_only_a_changed_scene_is_voiced_again(
        tmp_path: Path) -> None:
    kit_with(tmp_path)
    build(tmp_path)
    first = stored_files(tmp_path)
    # The morning's opening and two scenes, the night's opening and scene.
    assert [name.split("-")[0] for name in first] == ["matin/0", "matin/1", "matin/2",
                                                      "nuit/0", "nuit/1"]
    # A fresh clone: no cache, the stored narration only. Nothing is said again.
    result, progress = build(tmp_path, "clone-cache")
    assert synthesized(progress) == [] and stored_files(tmp_path) == first
    assert any(f.name == "recit-1-matin.mp3" for f in result.files)
    # The second scene's text changes: only it is said again, and its old narration goes.
    kit_with(tmp_path, morning=MORNING.replace("la tournée commence", "la tournée est lancée"))
    _, progress = build(tmp_path, "clone-cache")
    assert [m.split("\u00a0: ")[-1] for m in synthesized(progress)] == [
        "scène 2 sur 2, voix de synthèse espeak-ng " + find_engine(ESPEAK).version]
    after = stored_files(tmp_path)
    assert {k: v for k, v in after.items() if not k.startswith("matin/2-")} == {
        k: v for k, v in first.items() if not k.startswith("matin/2-")}
    (new,), (old,) = ([k for k in files if k.startswith("matin/2-")] for files in (after, first))
    assert new != old


def test_a_recording_comes_before_the_stored_narration_and_the_page_and_tags_say_so(
        tmp_path: Path) -> None:
    kit_with(tmp_path)
    build(tmp_path)
    clip = tmp_path / "audio" / "matin" / "2.wav"
    clip.parent.mkdir(parents=True, exist_ok=True)
    rate = 22050
    tone = 0.3 * np.sin(2 * np.pi * 180 * np.arange(2 * rate) / rate)
    with wave.open(str(clip), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((tone * 32767).astype("<i2").tobytes())
    result, progress = build(tmp_path)
    assert not any(k.startswith("matin/2-") for k in stored_files(tmp_path))
    assert synthesized(progress) == []
    mp3 = next(f.path for f in result.files if f.name == "recit-1-matin.mp3")
    chapters = sorted(ID3(mp3).getall("CHAP"), key=lambda c: c.start_time)
    assert "voix de synthèse espeak-ng" in str(chapters[0].sub_frames["TIT3"])
    assert "enregistrement audio/matin/2.wav" in str(chapters[1].sub_frames["TIT3"])
    comment = str(ID3(mp3).getall("COMM")[0])
    assert "Narration\u00a0: voix de synthèse espeak-ng" in comment
    page = next(text for name, text in result.pages.items() if name.endswith("matin.md"))
    assert re.findall(r'class="kit-voiced">· ([^<]+)<', page) == ["voix de synthèse",
                                                                 "enregistrement"]
    assert "*Narration\u00a0: voix de synthèse espeak-ng" in page
