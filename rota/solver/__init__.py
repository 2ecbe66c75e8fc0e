"""The CP-SAT rota solver: ``solve(team, start, end, params) -> SolveResult``."""

from rota.solver.params import Progress, SolveParams
from rota.solver.result import SolveResult, SolveStatus
from rota.solver.solve import solve

__all__ = ["Progress", "SolveParams", "SolveResult", "SolveStatus", "solve"]
