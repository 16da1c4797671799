"""Reading the toolkit's TOML files (published data, prior sets, run spec), one error shape."""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path
from typing import Any

from bayes_netlm.errors import InputError

__all__ = ["read_toml"]


def read_toml(path: Path) -> tuple[dict[str, Any], str]:
    """The parsed document and the SHA-256 of the file's bytes (for provenance).

    Raises
    ------
    InputError
        The file cannot be read, is not UTF-8, or is not valid TOML.

    """
    try:
        raw = path.read_bytes()
        return tomllib.loads(raw.decode("utf-8")), hashlib.sha256(raw).hexdigest()
    except OSError as error:
        raise InputError.single(
            str(path), f"cannot read the file ({error.strerror})", "check the path"
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InputError.single(str(path), f"not valid TOML ({error})", "fix the syntax") from None
