"""Hard rules: one builder per rule, each adding its constraints to the shared ``Ctx``."""
