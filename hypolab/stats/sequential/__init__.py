"""Group-sequential designs (see ``boundaries``)."""
