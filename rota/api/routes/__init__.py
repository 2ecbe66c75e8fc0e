"""One APIRouter per resource; thin handlers: check the caller, call a service function, shape the reply."""
