"""督办: supervision items that follow a lagging target until it is handled (pure core, no store or web)."""
