"""The association's site: its data (contacts, team, agenda), its pages' placeholders, its nav."""
