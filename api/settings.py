"""Service settings from the environment (``ROTA_*``), built on first use and cached."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything the service reads from its environment; defaults run on one machine."""

    model_config = SettingsConfigDict(env_prefix="ROTA_", env_file=".env", extra="ignore")

    database_url: str = Field(default="sqlite:///rota.db", description="SQLAlchemy URL of the database")
    public_url: str | None = Field(
        default=None,
        description="base URL of feed links (default: the URL the request came to; the CLI: 127.0.0.1:8000)",
    )
    job_workers: int = Field(default=1, ge=1, description="solves running at once (in-process runner)")
    solver_workers: int = Field(
        default=2, ge=1, description="CP-SAT workers per solve (as the CLI's default: the same team gives "
                                     "the same rota from either)")
    solver_mode: Literal["deterministic", "parallel"] = Field(
        default="deterministic",
        description="deterministic: the same team and settings give the same rota (time limits count "
                    "CP-SAT work units); parallel: CP-SAT's portfolio by wall time, faster, varies by run",
    )
    time_limit: float = Field(default=30.0, gt=0, description="default solve time limit, seconds")
    max_time_limit: float = Field(default=600.0, gt=0, description="largest time limit a client may ask")
    feed_refresh_minutes: int = Field(default=60, ge=5, description="REFRESH-INTERVAL of the iCal feeds")
    feed_cache_size: int = Field(
        default=512, ge=0, description="rendered feed bodies kept in memory by ETag (0: render every time)"
    )
    feed_past_days: int = Field(default=30, ge=0, description="feeds start this many days back")
    history_days: int = Field(
        default=35, ge=0, description="published days before a rota filled in as history"
    )


@lru_cache
def get_settings() -> Settings:
    """The process's settings, read from the environment once."""
    return Settings()
