"""The rotating log file in the user log folder.

:func:`configure_logging` attaches one :class:`logging.handlers.RotatingFileHandler` to the
root logger (``ips-studio.log``, 1 MB, five old files kept), so every ``logging`` call of the
app and of the worker jobs lands in the file. Calling it again replaces that handler.
"""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

LOG_FILENAME = "ips-studio.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 5
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"

_handler: logging.handlers.RotatingFileHandler | None = None


def configure_logging(folder: str | Path | None = None, level: int = logging.INFO) -> Path:
    """Log to ``folder / ips-studio.log`` (the user log folder when None); return the file path."""
    global _handler
    if folder is None:
        from app.shell.settings import user_dir

        folder = user_dir("logs")
    path = Path(folder) / LOG_FILENAME
    path.parent.mkdir(parents=True, exist_ok=True)
    shutdown_logging()
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter(FORMAT))
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > level:
        root.setLevel(level)
    _handler = handler
    logging.getLogger(__name__).info("Logging to %s", path)
    return path


def log_file() -> Path | None:
    """The current log file, or None before :func:`configure_logging`."""
    return Path(_handler.baseFilename) if _handler is not None else None


def shutdown_logging() -> None:
    """Detach and close the file handler (tests; a second :func:`configure_logging`)."""
    global _handler
    if _handler is not None:
        logging.getLogger().removeHandler(_handler)
        _handler.close()
        _handler = None
