"""lftm-sim: whole-system change in education, led from the top, the schools or the middle."""

from importlib.metadata import PackageNotFoundError, version

from .agents import District, School, State
from .model import SystemModel
from .parameters import Mechanisms
from .strategies import LEVERS, PRESETS, Strategy, Timeline

try:
    __version__ = version("lftm-sim")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

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
