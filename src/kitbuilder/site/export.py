"""The whole site as plain inputs: a folder that a Markdown site generator builds without us.

`export` reads the project's `mkdocs.yml` for the site's settings and the options of our two
plugins, then writes into a folder:

- `docs/`: the association's pages with their placeholders filled, `agenda.ics`, the kit's
  pages (their players' `src` written for directory URLs) and files, the kit's stylesheets
  and scripts, and every other file of the project's `docs/` (fonts, images, stylesheets);
- `overrides/`: the theme's templates, when the project has some;
- `mkdocs.yml`: the project's settings without our plugins, the nav with the kit's entries
  and typeset titles, the kit's stylesheets and scripts named.

MkDocs without our plugins and ProperDocs build it as it is (`properdocs build -f
OUT/mkdocs.yml`); another generator takes `docs/` and the nav from that file.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from importlib.resources import files as resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from kitbuilder.errors import KitError, Problem
from kitbuilder.site import inputs
from kitbuilder.site import pages as site_pages
from kitbuilder.site.data import load_site_data
from kitbuilder.site.nav import expand
from kitbuilder.sources import MANIFEST, read_licence
from kitbuilder.typography import typeset
from kitbuilder.yamlsource import read_yaml

OURS = ("kit", "association")  # our plugins: what they would add is written out instead
CONFIG = "mkdocs.yml"
DOCS = "docs"
OVERRIDES = "overrides"
CARD = "assets/images/carte.png"  # link previews' image (scripts/make-card draws it)
CARD_SIZE = (1200, 630)


@dataclass(frozen=True)
class Exported:
    """What `export` wrote, for the command line's summary."""

    pages: int
    files: int
    summary: str  # the kit build's
    narration: tuple[str, ...]


def export(config_file: Path, out: Path, *, now: datetime | None = None,
           progress: Callable[[str], None] | None = None) -> Exported:
    """Write the site's inputs into the empty folder `out`; KitError on a mistake."""
    from kitbuilder.build import build_kit  # the renderers load only when a build runs
    from kitbuilder.render.offline import Site
    from kitbuilder.render.speech import SpeechConfig

    config_file = config_file.resolve()
    root = config_file.parent
    config = _read_config(config_file)
    kit, association = _options(config, "kit"), _options(config, "association")
    docs = root / str(config.get("docs_dir", DOCS))
    data_dir = root / str(association.get("data_dir", "docs/_data"))
    data = load_site_data(data_dir, root)
    values = site_pages.context(data, now or datetime.now())
    kit_dir = root / str(kit.get("kit_dir", "kit"))
    values["kit_licence"] = read_licence(kit_dir, root) if (kit_dir / MANIFEST).is_file() \
        else None
    blocks = data_dir / site_pages.BLOCKS
    pages = {path: site_pages.render(text, values, shown, blocks)
             for path, text, shown in _markdown(docs, data_dir, root)}
    host = urlsplit(str(config.get("site_url") or "")).hostname or "localhost"
    generated = {inputs.ICS: site_pages.agenda_ics(values["events"], host,
                                                   str(config.get("site_name", "")))}
    files = [(path, source) for path, source in _other_files(docs, data_dir)]
    # What the association plugin hands the theme: the card of link previews, the contacts
    # of every page's footer (as plain data, with the phone's tel: target).
    files.append((CARD, Path(str(resources("kitbuilder") / "resources" / "card.png"))))
    shown_data = json.loads(json.dumps(asdict(data.association), default=str))
    shown_data["contact"]["tel"] = data.association.contact.tel
    extra = config.setdefault("extra", {})
    extra["association"] = shown_data
    extra["card"] = {"url": str(config.get("site_url") or "/").rstrip("/") + "/" + CARD,
                     "width": CARD_SIZE[0], "height": CARD_SIZE[1],
                     "alt": typeset(f"{data.association.name} : "
                                    f"{data.association.motto.lower()}")}
    nav = config.get("nav")
    result = None
    if kit.get("enabled", True):
        base = str(kit.get("url", "kit")).strip("/")
        voice = kit.get("piper_voice")
        result = build_kit(kit_dir,
                           root / str(kit.get("cache_dir", ".cache/kitbuilder")),
                           audio_dir=root / str(kit.get("audio_dir", "audio")),
                           speech=SpeechConfig(root / str(voice) if voice else None,
                                               str(kit.get("piper", "piper"))),
                           progress=progress,
                           site=Site(str(config.get("site_url") or ""), base))
        offer = inputs.kit_offer(base, str(kit.get("privacy_url", "confidentialite/")),
                                 kit.get("form_url"))
        added = inputs.kit_inputs(result, base, offer)
        pages.update({path: inputs.media_for_directory_urls(markdown, path)
                      for path, markdown in added.pages.items()})
        files += [(path, Path(stored)) for path, stored in added.files] + inputs.assets()
        if nav:
            nav = expand(nav, f"{base}/", added.nav)
        config["extra_css"] = [*config.get("extra_css", []), *inputs.STYLESHEETS,
                               *inputs.kit_stylesheets(added, base)]
        config["extra_javascript"] = [*config.get("extra_javascript", []), *inputs.SCRIPTS]
        extensions = config.setdefault("markdown_extensions", [])
        named = [next(iter(e)) if isinstance(e, dict) else e for e in extensions]
        extensions += [e for e in inputs.MARKDOWN_EXTENSIONS if e not in named]
    if nav:
        config["nav"] = _typeset_titles(nav)
    _write(out, config, root, pages, generated, files)
    return Exported(len(pages), len(files) + len(generated),
                    result.summary() if result else "kit : désactivé dans les réglages du site",
                    result.narration if result else ())


def _read_config(config_file: Path) -> dict[str, Any]:
    shown = Path(config_file.name)
    if not config_file.is_file():
        raise KitError([Problem(config_file, None, "fichier de configuration introuvable")])
    config, _ = read_yaml(config_file, shown)
    if not isinstance(config, dict):
        raise KitError([Problem(shown, 1,
                                "la configuration doit être une liste de réglages « clé : "
                                "valeur »")])
    return config


def _options(config: dict[str, Any], name: str) -> dict[str, Any]:
    """The options of one of our plugins in `plugins:`, or {"enabled": False} if absent."""
    for entry in config.get("plugins") or []:
        if entry == name:
            return {}
        if isinstance(entry, dict) and name in entry:
            return dict(entry[name] or {})
    return {"enabled": False}


def _without_ours(plugins: list[Any]) -> list[Any]:
    return [p for p in plugins if p not in OURS
            and not (isinstance(p, dict) and next(iter(p), None) in OURS)]


def _markdown(docs: Path, data_dir: Path, root: Path) -> list[tuple[str, str, Path]]:
    """(path in the site, text, path shown in messages) of every page of `docs/`."""
    return [(path.relative_to(docs).as_posix(), path.read_text(encoding="utf-8"),
             path.relative_to(root))
            for path in sorted(docs.rglob("*.md")) if not path.is_relative_to(data_dir)]


def _other_files(docs: Path, data_dir: Path) -> list[tuple[str, Path]]:
    return [(path.relative_to(docs).as_posix(), path) for path in sorted(docs.rglob("*"))
            if path.is_file() and path.suffix != ".md" and not path.is_relative_to(data_dir)]


def _typeset_titles(nav: Any) -> Any:
    """The nav's titles with French typography, as the association plugin gives them."""
    if isinstance(nav, list):
        return [_typeset_titles(item) for item in nav]
    if isinstance(nav, dict):
        return {typeset(str(title)): _typeset_titles(value) for title, value in nav.items()}
    return nav


def _write(out: Path, config: dict[str, Any], root: Path, pages: dict[str, str],
           generated: dict[str, bytes], files: list[tuple[str, Path]]) -> None:
    docs = out / DOCS
    for path, markdown in pages.items():
        _target(docs, path).write_text(markdown, encoding="utf-8")
    for path, content in generated.items():
        _target(docs, path).write_bytes(content)
    for path, source in files:
        shutil.copyfile(source, _target(docs, path))
    theme = config.get("theme")
    if isinstance(theme, dict) and theme.get("custom_dir"):
        shutil.copytree(root / str(theme["custom_dir"]), out / OVERRIDES)
        theme["custom_dir"] = OVERRIDES
    config.update(docs_dir=DOCS, site_dir="site", use_directory_urls=True,
                  plugins=_without_ours(config.get("plugins") or []))
    config.pop("exclude_docs", None)  # the data files are not written out
    header = ("# Written by `kitbuilder site`: the site's settings without the kitbuilder\n"
              "# plugins, whose pages and files are in docs/. Edit the project, not this.\n")
    (out / CONFIG).write_text(header + yaml.safe_dump(config, allow_unicode=True,
                                                      sort_keys=False), encoding="utf-8")


def _target(folder: Path, path: str) -> Path:
    target = folder / path
    target.parent.mkdir(parents=True, exist_ok=True)
    return target
