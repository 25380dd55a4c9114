"""The ``yingji`` command: serve, migrate, load the demo county, create users."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from service.settings import Settings, SettingsError

app = typer.Typer(
    help="Yingji 应急: emergency duty roster and response service.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
users_app = typer.Typer(help="Login users.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")


def _settings() -> Settings:
    try:
        settings = Settings()
        settings.resolved_secret_key()
    except SettingsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    return settings


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    from service.migrate import upgrade

    upgrade(_settings().database_url, revision)
    typer.echo(f"database at {revision}")


@db_app.command("downgrade")
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION (e.g. base)."""
    from service.migrate import downgrade

    downgrade(_settings().database_url, revision)
    typer.echo(f"database at {revision}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    migrate: Annotated[bool, typer.Option(help="apply migrations first")] = True,
    clock: Annotated[bool, typer.Option(help="run the clock (--no-clock: API only)")] = True,
) -> None:
    """Serve the API (and the web UI) with uvicorn."""
    import uvicorn

    from service import logs
    from service.app import create_app
    from service.migrate import upgrade
    from service.realtime.transport import uvicorn_config

    settings = _settings()
    settings.clock_enabled = settings.clock_enabled and clock
    logs.configure(settings.log_level, json=settings.logs_as_json)
    if migrate:
        upgrade(settings.database_url)
        logs.configure(settings.log_level, json=settings.logs_as_json)  # alembic resets it
    config = uvicorn_config(create_app(settings), settings, host=host, port=port)
    tune_gc(settings.gc_threshold)
    uvicorn.Server(config).run()


def tune_gc(threshold: int) -> None:
    """A server with thousands of connections keeps a large heap, and Python's default
    collector (a young-generation pass every 700 allocations, full passes often) then stalls
    it for long moments in a burst: 10,000 phones answering at once ran 2-4 times slower.
    What exists at start is frozen out of collection; young passes run less often."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(threshold, 50, 100)


@app.command()
def demo() -> None:
    """Load the demo county (阳城县); running it again changes nothing."""
    from service.demo import load

    settings = _settings()
    summary = asyncio.run(load(settings))
    typer.echo(summary)


@users_app.command("create")
def users_create(
    username: str,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    role: Annotated[list[str], typer.Option(help="role to grant; repeatable")],
    org: Annotated[
        int | None, typer.Option(help="org id the roles cover; default every org")
    ] = None,
) -> None:
    """Create a login user with ROLE over ORG's subtree (or every org)."""
    from pydantic import ValidationError

    from service.auth.schemas import UserCreate
    from service.demo import create_user_cli
    from service.errors import ProblemError

    try:
        data = UserCreate.model_validate(
            {
                "username": username,
                "password": password,
                "org_id": org,
                "grants": [{"role": r, "org_id": org} for r in role],
            }
        )
        user_id = asyncio.run(create_user_cli(_settings(), data))
    except ValidationError as exc:
        for err in exc.errors():
            typer.echo(f"error: {'.'.join(map(str, err['loc']))}: {err['msg']}", err=True)
        raise typer.Exit(2) from exc
    except ProblemError as exc:
        typer.echo(f"error: {exc.detail()}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"created user {username} (id {user_id})")


if __name__ == "__main__":
    app()
