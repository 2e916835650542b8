"""The web app (`qa-audio serve`): pages and a JSON API over the same database, per role."""
