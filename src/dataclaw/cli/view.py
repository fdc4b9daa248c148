"""`dataclaw view OUT/`: browse, filter and curate a dataset folder in the browser."""
from __future__ import annotations

from pathlib import Path

import typer

from . import app


@app.command("view")
def view_cmd(
    dataset: Path = typer.Argument(..., help="A dataset folder made by `dataclaw tailor`."),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to bind (loopback unless you say otherwise)."),
    port: int = typer.Option(8765, "--port", "-p", help="Port (0 picks a free one)."),
    allow_remote: bool = typer.Option(False, "--allow-remote",
                                      help="Allow a --host other machines can reach (0.0.0.0, a LAN address)."),
    allowed_host: list[str] = typer.Option([], "--allowed-host",
                                           help="A name clients use to reach a remote bind (repeatable); "
                                                "requests with any other Host header are refused."),
) -> None:
    """Local web app: filter samples, watch the source with its anchor timeline, accept/reject/edit.

    Marks go to OUT/curation.jsonl; every exporter honours them (rejected samples left out, edits
    applied): `dataclaw export OUT -f trl` afterwards writes the curated data.
    """
    from ..viewer import make_server
    from ..viewer.server import LOOPBACK_NAMES

    try:
        srv = make_server(dataset, host, port, allow_remote=allow_remote, allowed_hosts=allowed_host)
    except FileNotFoundError as exc:
        from ..errors import ConfigError

        raise ConfigError(str(exc)) from exc  # "error: DIR is not a dataset folder ...", exit 2
    h, p = srv.server_address[:2]
    if allow_remote:
        names = sorted(srv.RequestHandlerClass.allowed_hosts - LOOPBACK_NAMES)
        typer.secho(f"warning: serving on {host}, reachable from other machines; Host names accepted: "
                    f"{', '.join(names)} (add others with --allowed-host)", fg="yellow", err=True)
    typer.echo(f"dataclaw view: http://{h}:{p}/  (Ctrl-C to stop)")
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        srv.server_close()
