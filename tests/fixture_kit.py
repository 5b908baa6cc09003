"""A small but complete kit, written into a temporary folder by the tests."""

from __future__ import annotations

import shutil
from pathlib import Path

MANIFEST = """\
title: Discuter du travail
subtitle: Utiliser le récit professionnel pour discuter du travail
publisher: Mieux-être & Travail
bundle: kit-test.zip
guide: guide.md
table: tableau.yml
sheets:
  - fiches/regles.yml
  - fiches/suivi.yml
story:
  title: 24h en Ehpad
  parts:
    - recit/matin.md
    - recit/nuit.md
audience: Pour les équipes des Ehpad qui veulent parler de leur travail.
edition: 2026-03-01
licence:
  name: Creative Commons BY-NC-SA 4.0
  href: https://creativecommons.org/licenses/by-nc-sa/4.0/deed.fr
credits:
  - "Rédaction : l'équipe du kit."
glossary: glossaire.yml
association: association.yml
phases:
  - id: preparer
    label: Préparer
    colour: "#1f4e5f"
  - id: animer
    label: Animer
    colour: "#b3400f"
"""

GLOSSARY = """\
IDEC: Infirmier ou infirmière diplômé(e) d'État coordinateur
Ehpad: Établissement d'hébergement pour personnes âgées dépendantes
"""

ASSOCIATION = """\
name: Mieux-être & Travail
motto: Échanger, comprendre, agir
contact:
  phone: "01 00 00 00 00"
  email: contact@example.org
  hours: Du lundi au vendredi
  address: "1 rue de l'Exemple, 00000 Exempleville"
publisher: Nom Exemple
host:
  name: Hébergeur Exemple
  address: 1 avenue de l'Exemple, 00000 Exempleville
  phone: "01 00 00 00 01"
"""

GUIDE = """\
# Guide de démarrage

Un guide pour l'équipe qui se lance.

## Pourquoi parler du travail

Parce que le travail réel n'est **jamais** tout à fait le travail *prévu* : voir [le site](https://example.org).

- Un premier point
- Un second point

### Qui participe ?

1. La direction
2. Les équipes

| Étape | Durée |
| --- | --- |
| Lancer | 1 h |
"""

TABLE = """\
title: La démarche en un coup d'œil
intro: Six étapes, de la décision au suivi.
steps:
  - title: Décider
    aim: Savoir pourquoi on se lance.
    who: La direction et les représentants du personnel.
    when: Un mois avant.
    tools: Le guide.
    output: Une note de cadrage.
  - title: Suivre
    aim: Voir ce que sont devenues les propositions.
    who: Le groupe de pilotage.
    when: Six mois après.
    tools: La fiche de suivi.
    output: Un bilan partagé.
    phase: animer
"""

SHEET_RULES = """\
title: Les règles de l'échange
purpose: Poser le cadre avant de commencer.
instructions:
  - Lire les règles à voix haute.
  - Demander au groupe s'il veut en ajouter.
fields:
  - kind: checklist
    label: Règles retenues
    items:
      - On parle du travail, pas des personnes.
      - Ce qui est dit ici reste ici.
  - kind: lines
    label: Règles ajoutées par le groupe
    lines: 4
phase: animer
info:
  when: Séance 1, en ouverture
  who: Tout le groupe
  duration: 20 minutes
  materials:
    - Des feutres
"""

SHEET_FOLLOW_UP = """\
title: Idées d'amélioration et suivi
purpose: Garder la trace de chaque proposition et de la réponse reçue.
fields:
  - kind: table
    label: Propositions
    columns: [Problème, Proposition, Qui, Pour quand, Où en est-on]
    rows: 6
  - kind: box
    label: Remarques
    height: 5
"""

MORNING = """\
# Le matin

La résidence s'éveille.

## 6h45 — Salle de transmissions

L'équipe de nuit passe le relais.

**Sabrina** : Tu as vu, M. Lefèvre a mal dormi.

— Je passerai le voir, répond Karim.

## 7 h 30 — Couloir du premier étage

Les chariots sont prêts ; la tournée commence.

## Questions pour le groupe

1. Qu'est-ce qui vous a frappé ?
2. Qu'est-ce qui ressemble à notre travail ?
"""

NIGHT = """\
# La nuit

## 21 h — Poste de soins

La nuit commence : deux personnes pour soixante résidents !

## Questions pour le groupe

1. Comment la nuit est-elle organisée chez nous ?
"""

FILES = {
    "kit.yml": MANIFEST,
    "guide.md": GUIDE,
    "tableau.yml": TABLE,
    "fiches/regles.yml": SHEET_RULES,
    "fiches/suivi.yml": SHEET_FOLLOW_UP,
    "glossaire.yml": GLOSSARY,
    "association.yml": ASSOCIATION,
    "recit/matin.md": MORNING,
    "recit/nuit.md": NIGHT,
}


def write_kit(root: Path, files: dict[str, str] | None = None) -> Path:
    """Write the fixture kit (optionally with some files replaced) under root/kit."""
    kit = root / "kit"
    if kit.exists():
        shutil.rmtree(kit)
    for name, text in (files or FILES).items():
        path = kit / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return kit
