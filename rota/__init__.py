"""rota: the domain — team model, calendar expansion, coverage, objective, validation, reports."""
