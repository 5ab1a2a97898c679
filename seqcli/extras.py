"""Optional dependencies: imported where a feature needs one, refused in one line naming the
pip extra that installs it."""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from seqcli.errors import UsageError


def require(module: str, *, extra: str, wanted_by: str) -> ModuleType:
    """The module, or a UsageError naming the extra of seqcli that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise UsageError(
            f"{wanted_by}: needs {extra}, which is not installed; pip install 'seqcli[{extra}]'"
        ) from None


def installed(module: str) -> bool:
    """Whether the module can be imported, found without importing it (statsforecast's import
    alone takes seconds)."""
    return importlib.util.find_spec(module) is not None
