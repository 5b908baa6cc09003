"""Descriptions and titles for a page's head (kitbuilder.site.meta), on small HTML."""

from __future__ import annotations

from kitbuilder.site import meta

CREDIT = "<p><em>Narration : voix de synthèse, sans restriction sur le son produit.</em></p>"


def _page(intro: str) -> str:
    return ('<p class="kit-banner">Fiche 1 sur 9</p>'
            '<p><a href="x.docx">Télécharger la fiche (Word)</a> · <a href="y">Le récit</a></p>'
            '<p><button class="kit-print">Imprimer la fiche</button></p>'
            '<div class="mt-urgence"><p>Appelez le 3114.</p></div>'
            f"<nav><p>Chapitres</p></nav>{CREDIT}<p>{intro}</p><p>La suite du texte.</p>")


def test_furniture_links_buttons_and_shared_blocks_describe_nothing() -> None:
    found = meta.paragraphs(_page("Le matin, à la résidence des Tilleuls."))
    assert found == ["Narration : voix de synthèse, sans restriction sur le son produit.",
                     "Le matin, à la résidence des Tilleuls.", "La suite du texte."]


def test_a_line_several_pages_share_is_left_out_of_their_descriptions() -> None:
    pages = {name: meta.paragraphs(_page(f"{name.capitalize()} à la résidence des Tilleuls, "
                                         "soixante-douze personnes vivent."))
             for name in ("matin", "soir")}
    found = meta.distinct(pages)
    assert found["matin"].startswith("Matin à la résidence")
    assert len(set(found.values())) == 2 and not any("Narration" in d for d in found.values())


def test_a_long_description_is_cut_at_a_word() -> None:
    text = meta.shorten("mot " * 80)
    assert len(text) <= meta.DESCRIPTION_MAX and text.endswith("mot…")


def test_titles_name_the_section_of_a_sub_section_page() -> None:
    assert meta.title("Le matin", "24 h en Ehpad", "Site") == "Le matin – 24 h en Ehpad – Site"
    assert meta.title("Prendre rendez-vous", None, "Site") == "Prendre rendez-vous – Site"
    assert meta.title("", None, "Site") == "Site"
