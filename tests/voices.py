"""Other voices from one recording, for test and training material (never the pipeline)."""

from __future__ import annotations

import numpy as np

from tests.callgen import Clip


def shifted(clip: Clip, factor: float) -> Clip:
    """Pitch and formants moved by `factor` (tempo with them): another voice, same words."""
    x = clip.audio
    t = np.arange(0, len(x) - 1, factor)
    return Clip(clip.name, np.interp(t, np.arange(len(x)), x).astype(np.float32), clip.text)
