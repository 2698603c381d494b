"""The demo jurisdiction (``civicgrid demo``): a seeded, realistic district built from real division codes."""
