"""Every deadline of a case, computed in one place from its events and the working calendar."""
