"""The CP-SAT rota solver: ``solve(team, start, end, params) -> SolveResult``."""

from solver.params import Progress, SolveParams
from solver.result import SolveResult, SolveStatus
from solver.solve import solve

__all__ = ["Progress", "SolveParams", "SolveResult", "SolveStatus", "solve"]
