"""The association's pages: data from YAML placed into pages, past dates hidden, agenda.ics,
French typography applied to what editors typed, mistakes reported with file and line."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import icalendar
import pytest

from test_site import mkdocs, plain

ASSOCIATION = """\
name: Mieux-être & Travail
motto: Échanger, comprendre, agir
contact:
  phone: "01 00 00 00 00"
  email: contact@example.org
  hours: Du lundi au vendredi, de 9h à 17h
  address: 1 rue de l'Exemple, 00000 Exempleville
publisher: Nom Exemple
host:
  name: Hébergeur Exemple
  address: 1 avenue de l'Exemple, 00000 Exempleville
  phone: "01 00 00 00 01"
team:
  - name: Dr Alice Exemple
    discipline: Médecin du travail
  - name: Bruno Exemple
    discipline: Juriste
"""

PAGE = """\
# Nous joindre

Appelez le {{ association.contact.phone }} : c'est gratuit !

{% for member in association.team %}- **{{ member.name }}**, {{ member.discipline }}
{% endfor %}
{% for event in events %}
## {{ event.title }}

Le {{ event.start | date_fr }} à {{ event.start | time_fr }}.
{% else %}
Aucune date n'est prévue.
{% endfor %}
"""

CONFIG = """\
site_name: Test
site_url: https://asso.example.org/
theme:
  name: material
  language: fr
  font: false
plugins:
  - association
exclude_docs: |
  _data/
markdown_extensions:
  - kitbuilder.markdown_typography
"""


def _event(title: str, start: datetime) -> str:
    end = start + timedelta(hours=2)
    return (f"  - title: {title}\n    kind: groupe\n    start: {start:%Y-%m-%dT%H:%M}\n"
            f"    end: {end:%Y-%m-%dT%H:%M}\n    place: Locaux de l'association\n")


@pytest.fixture
def site(tmp_path: Path) -> Path:
    data = tmp_path / "docs" / "_data"
    data.mkdir(parents=True)
    (data / "association.yml").write_text(ASSOCIATION)
    soon = datetime.now().replace(hour=18, minute=30, second=0, microsecond=0)
    (data / "agenda.yml").write_text(
        "events:\n" + _event("Atelier passé", soon - timedelta(days=40))
        + _event("Atelier lointain", soon + timedelta(days=60))
        + _event("Groupe proche", soon + timedelta(days=10)))
    (tmp_path / "docs" / "index.md").write_text(PAGE)
    (tmp_path / "mkdocs.yml").write_text(CONFIG)
    return tmp_path


def test_data_fills_the_page_with_upcoming_events_only(site: Path) -> None:
    run = mkdocs(site)
    assert run.returncode == 0, run.stderr
    page = (site / "site" / "index.html").read_text()
    assert "01 00 00 00 00\u00a0: c’est gratuit\u202f!" in page
    assert "<strong>Dr Alice Exemple</strong>, Médecin du travail" in page
    assert "Atelier passé" not in page
    assert page.index("Groupe proche") < page.index("Atelier lointain")
    assert "\u00a0h\u00a030." in page  # « 18 h 30 »
    assert not (site / "site" / "_data").exists()


def test_agenda_ics_holds_the_same_upcoming_events(site: Path) -> None:
    assert mkdocs(site).returncode == 0
    calendar = icalendar.Calendar.from_ical((site / "site" / "agenda.ics").read_bytes())
    events = list(calendar.walk("VEVENT"))
    assert [str(e["summary"]) for e in events] == ["Groupe proche", "Atelier lointain"]
    assert all(str(e["uid"]).endswith("@asso.example.org") for e in events)
    assert events[0].decoded("dtend") - events[0].decoded("dtstart") == timedelta(hours=2)


def test_an_empty_agenda_says_so(site: Path) -> None:
    (site / "docs" / "_data" / "agenda.yml").write_text("events: []\n")
    assert mkdocs(site).returncode == 0
    assert "Aucune date n’est prévue." in (site / "site" / "index.html").read_text()


@pytest.mark.parametrize("file, old, new, where, words", [
    ("docs/_data/association.yml", "motto:", "moto:", "docs/_data/association.yml:2:",
     "vouliez-vous dire « motto »"),
    ("docs/index.md", "association.contact.phone", "association.contact.fax",
     "docs/index.md:3:", "fax"),
    ("docs/index.md", "{% endfor %}\n{% for", "{% endfr %}\n{% for", "docs/index.md:6:",
     "gabarit invalide"),
    ("docs/_data/agenda.yml", "kind: groupe", "kind: réunion", "docs/_data/agenda.yml:3:",
     "groupe"),
    ("docs/_data/agenda.yml", "    start: ", "    start: le 14 mars ", "docs/_data/agenda.yml:4:",
     ("1er rendez-vous de l’agenda, « start » : date et heure attendues, écrites "
      "2026-03-14 18:30, trouvé « le 14 mars 20")),
])
def test_a_mistake_names_its_file_and_line(site: Path, file, old, new, where, words) -> None:
    path = site / file
    path.write_text(path.read_text().replace(old, new, 1))
    run = mkdocs(site)
    assert run.returncode == 1
    said = plain(run.stderr)
    assert where in said and words in said, said
    assert "Traceback" not in said


def test_a_block_is_written_once_and_included_typeset(site: Path) -> None:
    blocks = site / "docs" / "_data" / "blocs"
    blocks.mkdir()
    (blocks / "alerte.html").write_text(
        '{% filter typeset %}<div class="x"><p><strong>Urgent ?</strong> Appelez le '
        '{{ association.contact.phone }} : c\'est gratuit !</p></div>{% endfilter %}\n')
    page = site / "docs" / "index.md"
    page.write_text(page.read_text() + '\n{% include "alerte.html" %}\n')
    assert mkdocs(site).returncode == 0
    html = (site / "site" / "index.html").read_text()
    assert ("<p><strong>Urgent\u202f?</strong> Appelez le 01\u00a000\u00a000\u00a000\u00a000"
            "\u00a0: c’est gratuit\u202f!</p>") in html.replace("01 00 00 00 00",
                                                                "01\u00a000\u00a000\u00a000\u00a000")


def test_a_missing_block_is_named(site: Path) -> None:
    page = site / "docs" / "index.md"
    page.write_text(page.read_text() + '\n{% include "absent.html" %}\n')
    run = mkdocs(site)
    assert run.returncode == 1
    said = plain(run.stderr)
    assert "docs/index.md" in said and "bloc introuvable : « absent.html »" in said, said
    assert "Traceback" not in said


def test_toc_labels_keep_their_no_break_spaces(site: Path) -> None:
    """Markdown's toc collapsed every Unicode space: « Pour qui ? » reached the nav with a
    plain one. The labels now come from the typeset headings."""
    (site / "docs" / "index.md").write_text("# Accueil\n\n## Pour qui ?\n\n## Séance 1 : à 7h30\n")
    (site / "mkdocs.yml").write_text(CONFIG + "  - toc\n")
    assert mkdocs(site).returncode == 0
    html = (site / "site" / "index.html").read_text()
    toc = html[html.index('data-md-component="toc"'):html.index("<article")]
    assert "Pour qui\u202f?" in toc and "Séance 1\u00a0: à 7\u00a0h\u00a030" in toc
