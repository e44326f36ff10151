"""lftm-sim: whole-system change in education, led from the top, the schools or the middle."""

from importlib import import_module

#: Public names and the module each is imported from, on first use: importing the
#: package stays cheap, so `lftm --help` starts fast (the model imports mesa, scipy...).
_EXPORTS = {
    "District": "agents",
    "School": "agents",
    "State": "agents",
    "SystemModel": "model",
    "Mechanisms": "parameters",
    "LEVERS": "strategies",
    "PRESETS": "strategies",
    "Strategy": "strategies",
    "Timeline": "strategies",
}


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("lftm-sim")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0.0.0+unknown"


def __getattr__(name: str):
    if name == "__version__":
        globals()[name] = _version()
        return globals()[name]
    if name in _EXPORTS:
        value = getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(list(globals()) + list(_EXPORTS) + ["__version__"])


__all__ = [
    "District",
    "LEVERS",
    "Mechanisms",
    "PRESETS",
    "School",
    "State",
    "Strategy",
    "SystemModel",
    "Timeline",
    "__version__",
]
