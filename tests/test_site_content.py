"""The association's pages as built from this repository: the emergency block where a person
in distress looks, contacts in every footer, each page its own description and title, the
legal pages saying what is true of the product."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest
import yaml

from conftest import ROOT

EMERGENCY_PAGES = ("index.html", "rendez-vous/index.html", "entretiens/index.html")
ASSOCIATION = yaml.safe_load((ROOT / "docs/_data/association.yml").read_text(encoding="utf-8"))


def _pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if p.name != "404.html")


def _head(page: Path, pattern: str) -> list[str]:
    return [unescape(m) for m in re.findall(pattern, page.read_text(encoding="utf-8"))]


def _description(page: Path) -> str:
    found = _head(page, r'<meta name="description" content="([^"]*)"')
    assert len(found) == 1, f"{page}: {len(found)} descriptions"
    return found[0]


@pytest.mark.parametrize("name", EMERGENCY_PAGES)
def test_the_emergency_block_is_on_the_pages_a_person_in_distress_reads(
        built_site: Path, name: str) -> None:
    html = (built_site / name).read_text(encoding="utf-8")
    blocks = re.findall(r'<div class="mt-urgence".*?</div>', html, re.DOTALL)
    assert len(blocks) == 1
    text = unescape(re.sub(r"<[^>]+>", "", blocks[0]))
    for href in ("tel:3114", "tel:15", "tel:112"):
        assert f'href="{href}"' in blocks[0]
    assert "prévention du suicide" in text and "24\u00a0h sur 24" in text
    assert "n’est pas un service d’urgence" in text
    assert f"rappelle {ASSOCIATION['contact']['reply']}" in text.replace("\u00a0", " ")
    assert "laissez un message" in text and "ne nomment pas l’association" in text


def test_the_emergency_block_has_one_source(built_site: Path) -> None:
    """Written once (docs/_data/blocs/urgence.html): the three pages carry the same text."""
    blocks = {re.search(r'<div class="mt-urgence".*?</div>',
                        (built_site / name).read_text(encoding="utf-8"), re.DOTALL)[0]
              for name in EMERGENCY_PAGES}
    assert len(blocks) == 1
    assert not any("3114" in p.read_text(encoding="utf-8") for p in (ROOT / "docs").glob("*.md"))


def test_every_page_has_the_contacts_in_its_footer(built_site: Path) -> None:
    phone = ASSOCIATION["contact"]["phone"].replace(" ", "")
    email = ASSOCIATION["contact"]["email"]
    for page in [*_pages(built_site), built_site / "404.html"]:
        html = page.read_text(encoding="utf-8")
        footer = html[html.index('<footer class="md-footer">'):]
        assert f'href="tel:{phone}"' in footer, page
        assert f'href="mailto:{email}"' in footer, page
        assert 'href="tel:3114"' in footer, page


def test_every_page_has_its_own_description_and_open_graph_texts(built_site: Path) -> None:
    pages = _pages(built_site)
    descriptions = {page: _description(page) for page in pages}
    assert all(40 <= len(text) <= 160 for text in descriptions.values()), descriptions
    repeated = {text for text in descriptions.values()
                if list(descriptions.values()).count(text) > 1}
    assert repeated == set()
    for page in pages:
        assert _head(page, r'<meta property="og:description" content="([^"]*)"') == \
            [descriptions[page]]
        assert len(_head(page, r'<meta property="og:title" content="([^"]*)"')) == 1
        image = _head(page, r'<meta property="og:image" content="([^"]*)"')
        assert image and image[0].startswith("https://mieux-etre-travail.example.org/")
        assert (built_site / image[0].split(".org/", 1)[1]).is_file()


def test_titles_use_the_dash_and_story_pages_name_the_story(built_site: Path) -> None:
    titles = {page.relative_to(built_site).as_posix(): _head(page, r"<title>(.*?)</title>")[0]
              for page in _pages(built_site)}
    assert titles["index.html"] == "Mieux-être & Travail"
    assert titles["rendez-vous/index.html"] == "Prendre rendez-vous – Mieux-être & Travail"
    assert all(" - " not in title for title in titles.values()), titles
    story = [title for path, title in titles.items() if path.startswith("kit/recit/")]
    assert len(story) == 3 and all("24\u00a0h en Ehpad" in title for title in story), story
    assert len(set(titles.values())) == len(titles)


def test_the_privacy_policy_says_what_the_server_logs(built_site: Path) -> None:
    text = unescape(re.sub(r"<[^>]+>", "", (built_site / "confidentialite/index.html")
                           .read_text(encoding="utf-8")))
    assert "ni votre adresse IP" in text
    assert ASSOCIATION["retention"]["logs"].replace(" ", "\u00a0") in text \
        or ASSOCIATION["retention"]["logs"] in text
    assert "intérêt légitime" in text and "consentement" in text
    # What the deployment example logs: no address in its access log format.
    nginx = (ROOT / "deploy/nginx.conf.example").read_text(encoding="utf-8")
    log_format = re.search(r"log_format privacy (.*?);", nginx, re.DOTALL)[1]
    assert "$remote_addr" not in log_format and "$http_user_agent" not in log_format


def test_the_legal_pages_state_the_kit_licence_and_non_conformity(built_site: Path) -> None:
    kit = yaml.safe_load((ROOT / "kit/kit.yml").read_text(encoding="utf-8"))
    legal = (built_site / "mentions-legales/index.html").read_text(encoding="utf-8")
    assert f'href="{kit["licence"]["href"]}"' in legal and "BY-SA 4.0" in legal
    assert "adapter les fiches" in unescape(legal)
    host = ASSOCIATION["host"]
    assert all(unescape(legal).count(host[k].replace("'", "’")) for k in ("name", "phone"))
    access = unescape((built_site / "accessibilite/index.html").read_text(encoding="utf-8"))
    assert "non conforme" in access and "partiellement conforme" not in access
    agenda = unescape((built_site / "agenda/index.html").read_text(encoding="utf-8"))
    assert "partagé avec votre employeur" in agenda
