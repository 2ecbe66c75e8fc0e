"""Hard rules on the solver's side: one module per rule family, each attaching its model builders and
greedy guards to rule ids (``rota.solver.rules.registry``). Importing the package imports every module in it,
so a rule in a new file here is registered with nothing else to edit."""

import importlib
import pkgutil

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    importlib.import_module(f"{__name__}.{_module}")
