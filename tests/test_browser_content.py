"""The home page's first screen in Chromium: what a person in distress must find there
without scrolling, on a 360 px phone and on a desktop."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import sync_playwright

from browser import launch, static_server
from conftest import ROOT

FIRST_SCREEN = 800  # px from the top of the page
CONTACT = yaml.safe_load((ROOT / "docs/_data/association.yml").read_text(encoding="utf-8"))[
    "contact"]


@pytest.fixture(scope="module")
def home(built_site: Path) -> Iterator[str]:
    with static_server(built_site) as url:
        yield url


@pytest.mark.parametrize("width", [360, 1280])
def test_the_first_screen_holds_who_free_confidential_contacts_hours(home: str,
                                                                     width: int) -> None:
    with sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(viewport={"width": width, "height": FIRST_SCREEN},
                                      is_mobile=width < 500)
        page = context.new_page()
        page.goto(home, wait_until="networkidle")
        article = page.locator("article")
        phone = article.locator(f'a[href="tel:{CONTACT["phone"].replace(" ", "")}"]').first
        email = article.locator(f'a[href="mailto:{CONTACT["email"]}"]').first
        texts = {words: article.get_by_text(words, exact=False).first for words in (
            "Salariés", "gratuit", "confidentiel", "anonyme",
            "Nous ne contactons jamais votre employeur", "Du lundi au vendredi")}
        found = {"téléphone": phone, "e-mail": email, **texts}
        bottoms = {}
        for name, locator in found.items():
            box = locator.bounding_box()
            assert box is not None, f"{name} is not shown"
            bottoms[name] = box["y"] + box["height"]
        browser.close()
    late = {name: round(bottom) for name, bottom in bottoms.items() if bottom > FIRST_SCREEN}
    assert late == {}, f"below the first {FIRST_SCREEN} px at {width} px: {late}"
