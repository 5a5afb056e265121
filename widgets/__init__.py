"""NBF Studio views (Qt widgets). No torch here: views get numpy arrays and Qt objects from app/."""
