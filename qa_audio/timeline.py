"""The call's timing facts from the signal alone: pickup, rings, holds, hang-up, speech per side.

Everything here is frame-level numpy over 20 ms hops, so a 4-minute stereo call takes a
fraction of a second. Facts the audio cannot show stay `None` / "unknown"; PBX records
(see `pbx.py`) are merged in afterwards and win.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .core import Event, Span, TalkMetrics, Timeline
from .decode import SAMPLE_RATE, Audio
from . import music
from .tones import BLOCK_FRAMES, HOP_S, WIN_S, TonePlan, cadence_runs, cycles, find_bursts, frame_blocks, n_frames, runs, tone_share, windowed_energy

AGENT, CUSTOMER, MIXED = "agent", "customer", "mixed"
_DIGITAL_SILENCE_DB = -85.0
# A dead line carries a codec's idle pattern, not noise: mu-law idles at 0, A-law at a
# constant +-8 of 32768 (-72 dBFS, above any level threshold); the quietest line noise made
# here (-72 dBFS RMS) still swings 7e-4 within a 40 ms frame. So a frame is dead when no
# sample strays more than 10 LSB from the frame's mean.
_DEAD_SWING = 10 / 32768
# Speech must stand this far above the channel's noise floor.
_SPEECH_MARGIN_DB = 10.0
_ALWAYS_LOUD_DB = -40.0
_MIN_SPEECH_S = 0.15
_BRIDGE_S = 0.3
# Music may sit 10-25 dB below speech, near the line noise: it is looked for in anything
# this far above the floor.
_SOUND_MARGIN_DB = 5.0
# Music-like runs shorter than this are speech (the model errs on about 1 % of speech
# frames, in runs under a second: benchmarks/music.py).
_MIN_MUSIC_S = 1.0
# Music-like sound outside any hold is kept from the transcriber when it lasts this long
# (a jingle, an IVR's music); shorter runs are given back to speech.
_MUSIC_ALONE_S = 3.0
_MIN_HOLD_S = 5.0
# The pauses inside a hold (one leg's noise on a mono mix, a fade on either) lie within this
# of its music; the line's noise is measured farther away, over this much at least.
_NEAR_MUSIC_S = 5.0
_MIN_FLOOR_S = 2.0
# Line noise's frame level spreads 0.15-0.5 dB (see _MIN_JITTER_DB); its frames lie within
# this of their most common level.
_NOISE_SPREAD_DB = 1.5
# Line noise's spectral correlation 100 ms apart is 0.00-0.17 by its colour, music's
# 0.3-0.7 (see _textured): over half a second, noise stays under this.
_NOISE_STEADINESS = 0.25
# A noise's mean steadiness over a second is at most that of pink noise, 0.17 +- 0.03 (see
# _textured): a music-like run of sound under this is a background noise, not music. Over
# seeds 0-79, 1000-1079 and 5000-5079 of benchmarks/timeline.py, the runs inside holds keep
# 0.25 or more over their sound; the one that made a false hold (seed 1068, the customer's own
# recording's background between his words) 0.02.
_BACKGROUND_STEADINESS = 0.2
# The noise's level is the lowest with this many frames within 1.5 dB, and this share of the
# most common level's.
_MIN_NOISE_FRAMES = 25
# The line's noise lies at least this far under the median live frame (talk, music or both);
# a "noise level" nearer is the level of talk without pauses (see _line_floor).
_NOISE_UNDER_TYPICAL_DB = 6.0
# Or a tenth of its frames at least sit where the level spreads under 2 dB over half a second
# (_LINE_NOISE_S): talk without pauses has none there (its spread 3-11 dB; shared/audio/speech),
# line noise 0.90-0.98 (0.3-1.1 dB) where the line is quiet for seconds and 0.10-0.47 where
# it is heard only in the pauses between words (shared/audio/speech; seed 29033's mono mix).
# Seeds 29017 and 29033 of benchmarks/timeline.py needed it: calls mostly hold, whose music a
# few dB over the noise is the median frame (tests/test_timeline.py builds one).
_HELD_LEVEL_SD_DB = 2.0
_HELD_LEVEL_SHARE = 0.1
_NOISE_PEAK_SHARE = 0.2
# Line noise dips about 0.5 dB under its 10th percentile; a fade in a held leg, which carries
# no line noise, goes far below it.
_BELOW_FLOOR_DB = 3.0
# Spectral steadiness is averaged over this long to tell music at the noise's level from
# the noise, and must stand this far above the noise's own (see _textured).
_TEXTURE_S = 1.0
_TEXTURE_OVER_NOISE = 0.15
# A fade crosses the noise's level in a few hundred ms; line noise lasts.
_LINE_NOISE_S = 0.5
# A slow fade takes up to 2 s to cross the 8 dB between sound and silence (a track's
# fade-out on a mono mix, seed 1025: 0.5 s); its level falls by more than this over them.
_FADE_S = 2.0
_FADE_DB = 3.0
# Words that end a hold last this long at least (让您久等了 takes over a second); shorter
# speech-like bits inside a hold are staccato music heard between digitally silent rests.
_HOLD_ENDING_WORDS_S = 1.0
_WORDS_OVER_MUSIC_DB = 6.0
# A passage of the track softer than its music, inside the hold, has the held leg within this
# of both its ends (seed 13074: 7.9 s of cold_day); real words quieter than a loud track were
# next to none (seeds 11, 32).
_MUSIC_AROUND_S = 1.0
# Words on a live line never dip below its noise (real turns: at most 5 % of their frames,
# where a long hold pulled the floor estimate up); music misheard as words, with the rests
# between its notes in a leg the PBX feeds, has 23-35 % (benchmarks/timeline.py misses).
_WORDS_BELOW_LINE = 0.15
# Words that end a hold are spoken at the side's level: a turn's loudest tenth sits within
# 4 dB of the side's (90th percentile of its words); music misheard as words,
# played 10-25 dB under speech and softer still in the passages the model mishears, stays
# 22-26 dB under it (benchmarks/timeline.py misses).
_WORDS_UNDER_SPEAKING_DB = 15.0
_INTERRUPT_OVERLAP_S = 1.0
# Frames after a ring's end still carrying its decay.
_RING_TAIL = 3
# Frames next to words (after their end, before their start) that may still carry their
# decay or onset under the speech threshold: a search for the held leg's switch keeps off them.
_WORDS_EDGE = 3
# A level step this sure (mean step over its standard error) is a leg connecting. In the
# gaps between rings, where nothing connects (white, pink and hummed line noise, wideband and
# G.711), the surest step is t = 3.9 over the 188 gaps of the 80 benchmark calls and 4.1
# over 360 of 160 other calls (benchmarks/timeline.py prints it); mono answers in a ring's
# gap step by t = 4.7-114.
_LEVEL_STEP_T = 4.5
# Frame-to-frame spread of line noise's level: 0.15-0.5 dB (those calls).
_MIN_JITTER_DB = 0.1
# On a mono mix the agent's leg may open 10-17 dB under the customer's line noise: the whole
# level moves by a few hundredths of a dB, but where the two noises differ in colour (hum
# against hiss, pink against white) the answer still steps the level of some bands. Twelve
# log-spaced bands from 40 Hz to 8 kHz: of 8, 12, 16, 24 and 32 bands tried, 12 set the weakest
# such answer farthest above the ring gaps (benchmark seeds 0-79, 1000-1079, 5000-5079).
_STEP_BANDS_HZ = np.geomspace(40.0, 8000.0, 13)
# How sure a step in the bands' levels must be: the per-band t values squared and summed,
# as a z score over the bands' count (chi-square's mean and spread). In 414 ring gaps of those
# calls, where nothing connects, the surest is z = 7.3; mono answers that the total level
# misses (agent noise 10-17 dB under the customer's, another colour) step by z = 11.6-36.
_BAND_STEP_Z = 9.0
# Each side of a step spans 100 ms at least (an answer 0.2 s before the first words).
_STEP_MIN_FRAMES = 5


SILENT_HOLD = "held-line silence after a hold cue"
UNANNOUNCED_WAIT = "silence on both sides with no hold cue before it"


@dataclass
class _Channel:
    side: str
    samples: np.ndarray
    energy_db: np.ndarray
    floor_db: float
    tone: np.ndarray
    speech: np.ndarray  # speech-like sound
    music: np.ndarray
    loud: np.ndarray
    dead: np.ndarray  # the codec's idle pattern: no line at all
    quiet: np.ndarray  # below the line's own noise: a leg the PBX feeds, not a live line
    held: np.ndarray  # music or what surrounds it in a held leg (see _classify)


def side_names(audio: Audio, agent_channel: int) -> list[str]:
    """The side each channel of `audio` is: `mixed` for mono; agent then customer when `agent_channel` is 0."""
    if not audio.is_stereo:
        return [MIXED]
    return [AGENT, CUSTOMER] if agent_channel == 0 else [CUSTOMER, AGENT]


def analyse(audio: Audio, plan: TonePlan, agent_channel: int = 0, music_model: music.MusicModel | None = None) -> Timeline:
    """The timeline of one recording, from the signal alone (no transcript).

    Args:
        audio: the decoded call (`decode.decode`).
        plan: the call-progress tones to listen for (`tones.get_plan("china")`).
        agent_channel: which stereo channel is the agent, 0 (left) or 1 (right); ignored
            for mono.
        music_model: replaces the shipped hold-music weights (the benchmark scores each
            call with a model that never heard its music).

    Returns:
        Timeline: speech spans per side, rings and pickup (`answer_s`, `ring_count`), holds,
        busy tone and hang-up side, talk metrics and events; times in seconds into the
        recording. Silent holds and dead air need the transcript (`analyzer.score` adds them).
    """
    names = side_names(audio, agent_channel)
    chans, tones = [], []
    for side, x in zip(names, audio.samples()):
        m = _measure(x, plan)
        ring = find_bursts(x, SAMPLE_RATE, m.ring_share, m.energy_db, plan.ringback)
        busy = find_bursts(x, SAMPLE_RATE, m.busy_share, m.energy_db, plan.busy) if plan.busy != plan.ringback else ring
        chans.append(_classify(side, x, m, _mask_of(ring + busy, len(m.energy_db)), music_model, audio.is_stereo))
        tones.append((side, ring, busy))
    holds = _holds(chans)
    for c in chans:
        # Inside a hold, only bits shorter than words that end it are left: none is speech.
        c.speech = _smooth(c.loud & ~_mask_of_spans(holds, len(c.music)) & ~_long_runs(c.music, _MUSIC_ALONE_S))
    duration = audio.duration_s
    speech = {c.side: _spans(c.speech) for c in chans}
    first_speech = min((s[0].start_s for s in speech.values() if s), default=duration)

    answer_s, rings, ring_events = _pickup(chans, tones, plan, first_speech)
    hangup_by, hangup_evidence, hang_events = _hangup(chans, tones, plan, speech, duration)
    metrics = _metrics(chans, speech, holds, answer_s or 0.0, duration)

    events = ring_events + holds + hang_events + _idle_events(chans, speech, answer_s or 0.0)
    for side, spans in speech.items():
        events += [Event("speech", s.start_s, s.end_s, side) for s in spans]
    if answer_s is not None:
        events.append(Event("answer", answer_s, answer_s, None, "audio", 0.9, f"after {rings} ring(s)"))
    events += _overlap_events(speech)
    return Timeline(
        duration_s=duration,
        stereo=audio.is_stereo,
        answer_s=answer_s,
        answer_delay_s=answer_s,
        ring_count=rings,
        holds=holds,
        hangup_by=hangup_by,
        hangup_evidence=hangup_evidence,
        speech=speech,
        metrics=metrics,
        events=sorted(events, key=lambda e: (e.start_s, e.kind)),
        pickup_source="audio" if answer_s is not None else "unknown",
    )


@dataclass
class _Measures:
    """Per-frame measures of one channel, computed a block of frames at a time."""

    energy_db: np.ndarray
    ring_share: np.ndarray
    busy_share: np.ndarray
    steady_short: np.ndarray
    steady_long: np.ndarray
    dead: np.ndarray


def _measure(x: np.ndarray, plan: TonePlan) -> _Measures:
    n = n_frames(len(x), SAMPLE_RATE)
    out = _Measures(*(np.zeros(n, np.float32) for _ in range(5)), np.zeros(n, bool))
    for i0, frames in frame_blocks(x, SAMPLE_RATE, lead=music.LAG_LONG):
        lead = len(frames) - min(BLOCK_FRAMES, n - i0)
        energy = windowed_energy(frames)
        sl = slice(i0, i0 + len(frames) - lead)
        out.energy_db[sl] = 10 * np.log10(energy[lead:] / (0.375 * frames.shape[1]) + 1e-12)
        out.ring_share[sl] = tone_share(frames[lead:], energy[lead:], plan.ringback.freqs, SAMPLE_RATE)
        out.busy_share[sl] = tone_share(frames[lead:], energy[lead:], plan.busy.freqs, SAMPLE_RATE)
        out.steady_short[sl], out.steady_long[sl] = music.steadiness(frames, SAMPLE_RATE, lead)
        core = frames[lead:]
        out.dead[sl] = np.abs(core - core.mean(axis=1, keepdims=True)).max(axis=1) <= _DEAD_SWING
    return out


def _mask_of(bursts, n: int) -> np.ndarray:
    mask = np.zeros(n, bool)
    for b in bursts:
        # Widen by 60 ms each side: a burst's ramps are not pure enough to pass as tone.
        mask[max(0, int(b.start_s / HOP_S) - 3) : int(np.ceil(b.end_s / HOP_S)) + 3] = True
    return mask


def _mask_of_spans(spans, n: int) -> np.ndarray:
    mask = np.zeros(n, bool)
    for s in spans:
        mask[int(round(s.start_s / HOP_S)) : int(round(s.end_s / HOP_S))] = True
    return mask


def _long_runs(mask: np.ndarray, min_s: float) -> np.ndarray:
    out = np.zeros_like(mask)
    for a, b in runs(mask):
        if (b - a) * HOP_S >= min_s:
            out[a:b] = True
    return out


def _classify(side: str, x: np.ndarray, m: _Measures, tone_mask: np.ndarray, music_model: music.MusicModel | None, stereo: bool) -> _Channel:
    floor, loud, sound = _levels(m.energy_db, m.dead, tone_mask)
    tuneful = music.music_frames(np.maximum(m.energy_db, floor), m.steady_short, m.steady_long, sound, music_model)
    floor = _line_floor(m.energy_db, ~m.dead & ~tone_mask, m.steady_long, loud & ~tuneful, _long_runs(tuneful, _MIN_MUSIC_S), stereo, floor)
    loud, sound = _thresholds(m.energy_db, m.dead, tone_mask, floor)
    tuneful = music.music_frames(np.maximum(m.energy_db, floor), m.steady_short, m.steady_long, sound, music_model)
    tune = _tune(tuneful, sound, m.steady_long)
    # A held leg carries what the PBX plays, not the line's own noise: music, the digital
    # silence between its notes, fades below the noise. A hold reaches as far as that goes
    # on its channel: up to the line's noise (for more than a moment) or to words.
    quiet = m.dead | (m.energy_db < floor - _BELOW_FLOOR_DB)
    held = sound | quiet
    if stereo:
        # On a mono mix the other side's noise stays under the music and two noises mixed
        # have no one steadiness to stand out from (benchmarks/timeline.py: mono holds
        # widened into the pauses next to them).
        held |= _textured(m.steady_long, m.energy_db, floor, m.dead)
    for a, b in runs(~held):
        # A fade crosses the noise's level on its way to silence in a moment, and so can a
        # rest between two notes; a pause between words and music is line noise however short.
        inner = 0 < a and b < len(quiet)
        fading = inner and (quiet[a - 1] or quiet[b] or (tuneful[a - 1] and tuneful[b]))
        held[a:b] = fading and ((b - a) * HOP_S < _LINE_NOISE_S or _fade(m.energy_db[a:b], quiet[b]))
    # Provisional speech (music taken out) tells the holds where words are; the final speech
    # gives back short music-like runs that are not part of a hold.
    return _Channel(side, x, m.energy_db, floor, tone_mask, _smooth(loud & ~tune), tune, loud, m.dead, quiet, held)


def _tune(tuneful: np.ndarray, sound: np.ndarray, steady_long: np.ndarray) -> np.ndarray:
    """The sound of music-like runs long enough to be music (_MIN_MUSIC_S) and spectrally
    steadier than noise: a recording's own background, as level as music in the pauses of a
    real customer's speech, is as unsteady as line noise (_BACKGROUND_STEADINESS)."""
    long = _long_runs(tuneful, _MIN_MUSIC_S)
    out = long & sound
    for a, b in runs(long):
        if out[a:b].any() and float(np.mean(steady_long[a:b][out[a:b]])) < _BACKGROUND_STEADINESS:
            out[a:b] = False
    return out


def _fade(db: np.ndarray, toward_end: bool) -> bool:
    """Whether frames between music and silence are a slow fade: their level falls toward the
    silence by _FADE_DB or more, where the line's noise keeps its level (within a dB)."""
    if len(db) * HOP_S > _FADE_S or len(db) < 6:
        return False
    drop = float(np.mean(db[:3]) - np.mean(db[-3:]))
    return (drop if toward_end else -drop) >= _FADE_DB


def _textured(steady_long: np.ndarray, energy_db: np.ndarray, floor: float, dead: np.ndarray) -> np.ndarray:
    """Frames at the line's noise level that are not its noise: music played as softly as
    the noise it replaces is steady from frame to frame where line noise is not.

    Line noise's spectral correlation 100 ms apart is a constant of its colour (white 0.00,
    G.711 0.07, pink 0.17, each +-0.03 over a second); music at that level keeps 0.3-0.7.
    The channel's own noise is the least steady tenth of its frames at the floor.
    """
    at_floor = ~dead & (energy_db < floor + _SOUND_MARGIN_DB)
    w = int(_TEXTURE_S / HOP_S)
    if at_floor.sum() < w:
        return np.zeros(len(at_floor), bool)
    # Means over the frames at the floor only, so that words next to a pause lend it nothing.
    mean = _window_mean(steady_long, at_floor, w)
    noise = float(np.percentile(mean[at_floor], 10))
    # Music keeps it up for a while; noise strays above its own steadiness only in moments.
    # The louder notes of music at the noise's level rise above the floor for a frame or
    # two: they carry the steadiness of the frames around them and do not cut the run.
    steady = ~dead & (mean > noise + _TEXTURE_OVER_NOISE)
    return at_floor & _long_runs(steady, _LINE_NOISE_S)


def _levels(energy_db: np.ndarray, dead: np.ndarray, tone_mask: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """A first noise floor (the quietest tenth of the live frames), its loud frames (speech
    candidates) and its sound frames."""
    live = ~dead
    floor = float(np.percentile(energy_db[live], 10)) if live.any() else _DIGITAL_SILENCE_DB
    return (floor, *_thresholds(energy_db, dead, tone_mask, floor))


def _thresholds(energy_db: np.ndarray, dead: np.ndarray, tone_mask: np.ndarray, floor: float) -> tuple[np.ndarray, np.ndarray]:
    """Loud frames (speech candidates) and sound frames over the noise floor `floor`."""
    live = ~dead
    # A recording with hardly any pause has no noise floor to measure: anything above
    # _ALWAYS_LOUD_DB is sound whatever the floor says.
    threshold = min(max(floor + _SPEECH_MARGIN_DB, -65.0), _ALWAYS_LOUD_DB)
    loud = live & ~tone_mask & (energy_db > threshold)
    sound = live & ~tone_mask & (energy_db > min(floor + _SOUND_MARGIN_DB, threshold))
    return loud, sound


def _line_floor(energy_db: np.ndarray, live: np.ndarray, steady_long: np.ndarray, words: np.ndarray, tune: np.ndarray,
                stereo: bool, first: float) -> float:
    """The noise of the line while the call is on: the most common level of the frames that
    sound like line noise (spectrally unsteady), away from any music, and on a mono mix
    between the first and the last words.

    The quietest tenth of the whole channel (`first`) is not that when the call is mostly
    hold (the music's frames fill the tenth, 5 dB over the line's noise in a 143 s hold),
    when the music's quiet passages and fades outnumber the pauses (up to 10 dB under it),
    or on a mono mix, where the rings and the hold carry one leg's noise only, up to 12 dB
    under the noise of both legs open. Over 380 composed calls (benchmarks/timeline.py, seeds
    0-299 and 1000-1079) the quietest tenth strays more than 2 dB from the noise in the
    pauses between lines on 25 channels, this estimate on none."""
    noisy = live & (_window_mean(steady_long, np.ones_like(live), int(_LINE_NOISE_S / HOP_S)) < _NOISE_STEADINESS)
    if not stereo:
        said = np.flatnonzero(words & ~tune)
        if said.size < 2:
            return first
        call = np.zeros_like(live)
        call[said[0] : said[-1] + 1] = True
        noisy &= call
    reach = int(_NEAR_MUSIC_S / HOP_S)
    away = _window_mean(tune, np.ones_like(tune), 2 * reach + 1) == 0
    typical = float(np.median(energy_db[live])) if live.any() else first
    for mask in (noisy & away, noisy):
        if mask.sum() >= int(_MIN_FLOOR_S / HOP_S):
            level = _noise_level(energy_db[mask])
            # A recording with hardly a pause has no noise to find: its "most common level"
            # is the talk's (21 s of continuous speech, shared/audio/speech: 2 dB over the
            # median frame, and the whole clip became a hold). Noise lies well under it, or,
            # where a hold's music a few dB over the noise is most of the call, holds its level.
            return level if level <= typical - _NOISE_UNDER_TYPICAL_DB or _held_level(energy_db, mask, level) else first
    return first


def _held_level(energy_db: np.ndarray, mask: np.ndarray, level: float) -> bool:
    """Whether _HELD_LEVEL_SHARE of the frames of `mask` at `level` (within _NOISE_SPREAD_DB)
    at least sit where the level holds for _LINE_NOISE_S (spreads under _HELD_LEVEL_SD_DB):
    line noise keeps its level for seconds, talk only passes through one."""
    at = mask & (np.abs(energy_db - level) <= _NOISE_SPREAD_DB)
    w = int(_LINE_NOISE_S / HOP_S)
    db = energy_db.astype(np.float64)
    everywhere = np.ones(len(db), bool)
    mean, mean_sq = _window_mean(db, everywhere, w), _window_mean(db**2, everywhere, w)
    held = np.sqrt(np.maximum(mean_sq - mean**2, 0.0)) <= _HELD_LEVEL_SD_DB
    return bool(held[at].sum() >= _HELD_LEVEL_SHARE * at.sum())


def _noise_level(frames: np.ndarray) -> float:
    """The quietest tenth of the frames about the lowest common level: line noise keeps its
    level within a dB frame after frame, where speech and music spread over tens of dB (a
    recording's own background, louder, can be more common still while the customer talks)."""
    counts, edges = np.histogram(frames, bins=np.arange(np.floor(frames.min()), frames.max() + 1.0, 0.5))
    smooth = np.convolve(counts, np.ones(3), mode="same")
    peak = int(np.argmax(smooth >= max(_MIN_NOISE_FRAMES, _NOISE_PEAK_SHARE * smooth.max())))
    while peak + 1 < len(smooth) and smooth[peak + 1] > smooth[peak]:
        peak += 1
    return float(np.percentile(frames[np.abs(frames - (edges[peak] + 0.25)) <= _NOISE_SPREAD_DB], 10))


def _window_mean(values: np.ndarray, mask: np.ndarray, w: int) -> np.ndarray:
    """Per frame, the mean of `values` over the frames of `mask` in the `w` frames centred on it (0 where none)."""
    cs = np.r_[0.0, np.cumsum(np.where(mask, values, 0.0), dtype=np.float64)]
    count = np.r_[0, np.cumsum(mask)]
    i = np.arange(len(mask))
    lo, hi = np.maximum(i - w // 2, 0), np.minimum(i + w // 2 + 1, len(mask))
    return (cs[hi] - cs[lo]) / np.maximum(count[hi] - count[lo], 1)


def music_features(x: np.ndarray, plan: TonePlan) -> np.ndarray:
    """The music model's inputs for every frame of sound in one channel (for fitting it)."""
    m = _measure(x, plan)
    floor, _, sound = _levels(m.energy_db, m.dead, np.zeros(len(m.energy_db), bool))
    within = music.stretches(sound)
    return music.features(np.maximum(m.energy_db, floor), m.steady_short, m.steady_long, within)[within & sound]


def ring_gap_steps(x: np.ndarray, plan: TonePlan, before_s: float) -> list[float]:
    """How sure the surest level step is in each gap between two rings of one channel that
    ends before `before_s`, where nothing connects (for calibrating _LEVEL_STEP_T)."""
    db, gaps = _ring_gaps(x, plan, before_s)
    return [_level_step(db[i:j], _STEP_MIN_FRAMES)[1] for i, j in gaps]


def ring_gap_band_steps(x: np.ndarray, plan: TonePlan, before_s: float) -> list[float]:
    """As `ring_gap_steps`, for the bands' levels (`_band_step`, calibrating _BAND_STEP_Z)."""
    _, gaps = _ring_gaps(x, plan, before_s)
    return [_band_step(_band_levels(x, i, j), _STEP_MIN_FRAMES)[1] for i, j in gaps]


def _ring_gaps(x: np.ndarray, plan: TonePlan, before_s: float) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """One channel's frame levels and the [first, last) frames of each gap between two of its
    rings that ends before `before_s`, clear of the rings' decay."""
    m = _measure(x, plan)
    ring = find_bursts(x, SAMPLE_RATE, m.ring_share, m.energy_db, plan.ringback)
    db = np.maximum(m.energy_db, _DIGITAL_SILENCE_DB)
    return db, [(int(a.end_s / HOP_S) + 1 + _RING_TAIL, int(b.start_s / HOP_S) - 3) for a, b in zip(ring, ring[1:]) if b.start_s < before_s]


def _smooth(mask: np.ndarray) -> np.ndarray:
    out = mask.copy()
    bridge, shortest = int(_BRIDGE_S / HOP_S), int(_MIN_SPEECH_S / HOP_S)
    gaps = runs(~out)
    for a, b in gaps:
        if 0 < a and b < len(out) and b - a <= bridge:
            out[a:b] = True
    for a, b in runs(out):
        if b - a < shortest:
            out[a:b] = False
    return out


def _spans(mask: np.ndarray) -> list[Span]:
    return [Span(round(a * HOP_S, 2), round(b * HOP_S, 2)) for a, b in runs(mask)]


def _pickup(chans, tones, plan: TonePlan, first_speech: float):
    """Answer time and ring count from the ringback before the first words, if any."""
    best = None
    for side, ring, _ in tones:
        for run in cadence_runs([b for b in ring if b.start_s < first_speech], plan.ringback, allow_short_last=True):
            if best is None or len(run) > len(best[1]):
                best = (side, run)
    if best is None:
        return None, None, []
    side, run = best
    events = [Event("ringback", b.start_s, b.end_s, side) for b in run]
    last = run[-1]
    # A ring is cut short by the answer when it is clearly shorter than the rings before it
    # in the same place of the cadence (a line's filtering trims every burst a little, so
    # the plan's on-time alone would take a full ring for a cut one and answer early).
    period = len(plan.ringback.cadence)
    same = [b.duration_s for i, b in enumerate(run[:-1]) if (len(run) - 1 - i) % period == 0]
    expected = float(np.median(same)) if same else plan.ringback.cadence[(len(run) - 1) % period][0]
    cut_short = last.duration_s < expected * 0.8
    if cut_short:
        answer = last.end_s
    else:
        # Answered in a gap: the agent's line opening is the first sound after the last ring.
        limit = last.end_s + max(plan.ringback.off_values) + 0.5
        answer = _first_sound_after(chans, last.end_s, limit, side)
        answer = min(answer if answer is not None else limit, first_speech)
    return round(answer, 2), cycles(run, plan.ringback), events


def _first_sound_after(chans, t0: float, t1: float, ring_side: str) -> float | None:
    """Earliest sustained rise in level after `t0`: a line connecting or a voice.

    On a stereo recording the ringback's channel is the caller's leg, live before the answer:
    a step in its level or bands is its own noise, not the answer (seed 11068 of
    benchmarks/timeline.py: t = 4.9 in the customer's ring gap, 2.4 s before the answer that
    the agent's channel dated right).

    Levels are averaged over 200 ms, so that on a mono mix even the few dB that the agent
    line's noise adds to the customer's are seen.
    """
    onsets = []
    i0, i1 = int(t0 / HOP_S) + 1, int(t1 / HOP_S)
    w = 10
    for c in chans:
        seg = np.maximum(c.energy_db[i0:i1], _DIGITAL_SILENCE_DB)
        if len(seg) < 2 * w:
            continue
        smooth = np.convolve(seg, np.ones(w) / w, mode="valid")
        base = smooth[0]
        rise = (smooth > base + 2.0) & ~c.tone[i0 : i0 + len(smooth)]
        # A line that idled (no signal) until now comes alive at the answer.
        opened = (c.dead[i0] & ~c.dead[i0 : i0 + len(smooth)]) if c.dead[i0 : i0 + w].all() else np.zeros(len(smooth), bool)
        hits = np.flatnonzero(rise | opened | c.speech[i0 : i0 + len(smooth)])
        onset = len(seg)
        if hits.size:
            # The averaging window ending at the rise starts before it: step back to the onset.
            k = hits[0]
            onset = k + (0 if opened[k] else int(np.argmax(seg[k : k + w] > base + 2.0)))
            onsets.append((i0 + onset) * HOP_S)
        if len(chans) > 1 and c.side == ring_side:
            continue
        # On a mono mix the opening leg changes the level by a fraction of a dB (its noise
        # added; or, on A-law, its idle pattern's DC replaced by quieter noise): a step in
        # the mean level before the first rise, either way, is the answer.
        j, sure = _level_step(seg[_RING_TAIL:onset], _STEP_MIN_FRAMES)
        if sure >= _LEVEL_STEP_T:
            onsets.append((i0 + _RING_TAIL + j) * HOP_S)
        # A leg far under the other's noise moves the total level by nothing measurable; the
        # bands where its noise's colour differs still step.
        j, sure = _band_step(_band_levels(c.samples, i0 + _RING_TAIL, i0 + onset), _STEP_MIN_FRAMES)
        if sure >= _BAND_STEP_Z:
            onsets.append((i0 + _RING_TAIL + j) * HOP_S)
    return min(onsets) if onsets else None


def _band_levels(x: np.ndarray, i0: int, i1: int) -> np.ndarray:
    """(frames, bands) levels in dB of frames [i0, i1) of `x`, in _STEP_BANDS_HZ's bands, with
    the frames' window and hop."""
    hop, win = int(HOP_S * SAMPLE_RATE), int(WIN_S * SAMPLE_RATE)
    if i1 <= i0:
        return np.zeros((0, len(_STEP_BANDS_HZ) - 1))
    seg = x[i0 * hop : (i1 - 1) * hop + win]
    seg = np.pad(seg, (0, (i1 - 1 - i0) * hop + win - len(seg)))
    frames = np.lib.stride_tricks.sliding_window_view(seg, win)[::hop][: i1 - i0]
    power = np.abs(np.fft.rfft(frames * np.hanning(win).astype(np.float32), axis=1)) ** 2
    band = np.digitize(np.fft.rfftfreq(win, 1 / SAMPLE_RATE), _STEP_BANDS_HZ) - 1
    inside = (band >= 0) & (band < len(_STEP_BANDS_HZ) - 1)
    sums = np.zeros((len(frames), len(_STEP_BANDS_HZ) - 1))
    np.add.at(sums.T, band[inside], power[:, inside].T)
    # Floored as frame levels are: a band with no signal (a dead leg) reads -120 dB, not -inf.
    return 10 * np.log10(sums / win + 1e-12)


def _band_step(bands: np.ndarray, min_frames: int) -> tuple[int, float]:
    """The split of (frames, bands) levels where they change most together, and how sure:
    the bands' step t values (as `_level_step`'s) squared and summed, as a z score over the
    bands' count."""
    j, t = _step_t(bands, min_frames)
    if not len(j):
        return 0, 0.0
    k = bands.shape[1]
    z = ((t**2).sum(axis=1) - k) / np.sqrt(2 * k)
    best = int(np.argmax(z))
    return int(j[best]), float(z[best])


def _level_step(db: np.ndarray, min_frames: int) -> tuple[int, float]:
    """The split of `db` where its mean level changes most, and how sure (two-sample t: the
    step over its standard error from the pooled spread), each side at least `min_frames` long."""
    j, t = _step_t(db, min_frames)
    if not len(j):
        return 0, 0.0
    best = int(np.argmax(t))
    return int(j[best]), float(t[best])


def _step_t(db: np.ndarray, min_frames: int) -> tuple[np.ndarray, np.ndarray]:
    """Every split j of `db` (frames first; one column per band, if any) with each side at
    least `min_frames` long, and the two-sample t of its step in mean level, per column."""
    n = len(db)
    j = np.arange(min_frames, n - min_frames + 1)
    if not len(j):
        return j, np.zeros((0,) + db.shape[1:])
    lead = np.zeros((1,) + db.shape[1:])
    cs = np.cumsum(np.concatenate([lead, db]), axis=0, dtype=np.float64)
    cs2 = np.cumsum(np.concatenate([lead, np.asarray(db, np.float64) ** 2]), axis=0)
    jj = j.reshape((-1,) + (1,) * (db.ndim - 1))
    left, right = cs[j] / jj, (cs[n] - cs[j]) / (n - jj)
    # A line's level jitters at least this much from frame to frame (a constant idle pattern
    # does not jitter at all, and its float rounding is no step).
    spread = np.maximum((cs2[n] - jj * left**2 - (n - jj) * right**2) / (n - 2), _MIN_JITTER_DB**2)
    return j, np.abs(right - left) / np.sqrt(spread * (1 / jj + 1 / (n - jj)))


def _holds(chans) -> list[Event]:
    """Music on any side while no one speaks, for at least a few seconds.

    Stretches of music are one hold as long as nobody speaks between them, however long the
    quiet passage: hold music fades and pauses, and a telephone line thins it further; the
    next words of either party end the hold.
    """
    music = np.zeros_like(chans[0].music)
    anyone = np.zeros_like(music)
    spoken = np.zeros_like(music)
    for c in chans:
        music |= c.music
        level = _at_speaking_level(c)
        # Words that end a hold last a second or more and are louder than any music.
        turns = _long_runs(level, _HOLD_ENDING_WORDS_S)
        anyone |= _over_music(c, turns)
        # What bounds the search for the switch: those turns whatever the music, and of the
        # bits too short to end a hold those louder than the music (soft notes of a track's
        # opening are none of these).
        spoken |= _over_music(c, level) | turns
    merged: list[tuple[int, int]] = []
    for a, b in runs(music & ~anyone):
        if merged and not anyone[merged[-1][1] : a].any():
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    widened = (_switched(*_widen(a, b, chans, anyone), chans, spoken) for a, b in merged)
    spans = [Span(round(a * HOP_S, 2), round(b * HOP_S, 2)) for a, b in widened]
    return [Event("hold", s.start_s, s.end_s, None, "audio", 0.8, "hold music") for s in spans if s.duration_s >= _MIN_HOLD_S]


def _at_speaking_level(c: _Channel) -> np.ndarray:
    """The runs of speech-like sound carried by a live line and near the side's speaking
    level (that of its runs a second long or more): a passage of music the model misheard as
    speech is softer, and the rests between its notes fall below the line's noise."""
    words = c.speech.copy()
    turns = _long_runs(c.speech, _HOLD_ENDING_WORDS_S)
    if not turns.any():
        return words
    speaking_db = float(np.percentile(c.energy_db[turns & c.loud], 90))
    for a, b in runs(words):
        below_line = float(np.mean(c.quiet[a:b]))
        if below_line > _WORDS_BELOW_LINE or float(np.percentile(c.energy_db[a:b], 90)) < speaking_db - _WORDS_UNDER_SPEAKING_DB:
            words[a:b] = False
    return words


def _over_music(c: _Channel, words: np.ndarray) -> np.ndarray:
    """`words` without the runs no louder than the channel's music, which a PBX plays 10-25
    dB below speech; music the model misheard as speech is as loud as the music around it.
    Where the music is as loud as the words, only the runs softer than the music itself with
    the held leg on both sides go: a quiet passage of the track."""
    if not c.music.any() or not words.any():
        return words
    music_db = float(np.median(c.energy_db[c.music]))
    # "Music" as loud as the speech (or music taken for words pulling the words' level down,
    # seed 13074): the level only tells a passage softer than the music around it.
    loud_music = music_db > float(np.median(c.energy_db[words])) - _WORDS_OVER_MUSIC_DB
    margin = 0.0 if loud_music else _WORDS_OVER_MUSIC_DB
    near = int(round(_MUSIC_AROUND_S / HOP_S))
    words = words.copy()
    for a, b in runs(words):
        loud = c.loud[a:b]
        softer = loud.any() and float(np.mean(c.energy_db[a:b][loud])) < music_db + margin
        in_leg = c.held[max(0, a - near):a].any() and c.held[b:b + near].any()
        if softer and (in_leg or not loud_music):
            words[a:b] = False
    return words


def _widen(a: int, b: int, chans, anyone: np.ndarray) -> tuple[int, int]:
    """A hold [a, b) widened over the rest of the held leg (a track may begin or end in a
    fade, a rest or a passage the model does not call music), never past anyone's words."""
    for c in chans:
        if not c.music[a:b].any():
            continue
        heldish = c.held & ~anyone
        before = np.flatnonzero(~heldish[:a])
        after = np.flatnonzero(~heldish[b:])
        a = min(a, int(before[-1]) + 1 if before.size else 0)
        b = max(b, b + int(after[0]) if after.size else len(heldish))
    return a, b


def _switched(a: int, b: int, chans, spoken: np.ndarray) -> tuple[int, int]:
    """A hold [a, b) reaching back and on to where the PBX switched the held leg, when its
    music begins or ends as soft as the line's noise.

    The leg's own noise stops when the PBX puts music on it and comes back with the agent:
    in the pause between the words and the music, the bands' levels step there (its noise
    replaced by the track's own hiss, or on a mono mix the agent's noise taken out of the
    sum), where a pause of line noise, as the gaps between rings show, never steps that surely
    (_BAND_STEP_Z). Only the pause between anyone's speech and the hold is searched, so the
    hold never reaches into words or before the cue that ended them.
    """
    before, after = np.flatnonzero(spoken[:a]), np.flatnonzero(spoken[b:])
    lo = int(before[-1]) + 1 + _WORDS_EDGE if before.size else 0
    hi = b + int(after[0]) - _WORDS_EDGE if after.size else len(spoken)
    for c in chans:
        if c.music[a:b].any():
            a = min(a, _step_in(c.samples, lo, a, first=True, default=a))
            b = max(b, _step_in(c.samples, b, hi, first=False, default=b))
    return a, b


def _step_in(x: np.ndarray, i0: int, i1: int, first: bool, default: int) -> int:
    """The first (or last) frame in [i0, i1) of `x` where the bands' levels step surely
    (_band_step's z over _BAND_STEP_Z): the surest step, then the surest before (after) it;
    `default` where none is that sure."""
    j, z = _band_step(_band_levels(x, i0, i1), _STEP_MIN_FRAMES)
    if z < _BAND_STEP_Z:
        return default
    step = i0 + j
    return _step_in(x, i0, step, first, step) if first else _step_in(x, step, i1, first, step)


def _closing_busy(busy: list[Span], plan: TonePlan, own: list[Span], duration: float) -> list[Span] | None:
    """The busy-tone run after the last words on its own channel (the busy tone replaces the
    leaving side's audio; the side that stayed may still be talking on the other channel).
    Three bursts, or two where the recording stops with them; bits of "speech" within the
    run are the tone's own edges."""
    for run in cadence_runs(busy, plan.busy, allow_short_last=True):
        start, end = run[0].start_s, run[-1].end_s
        if len(run) < 2 or (len(run) < 3 and duration - end > max(plan.busy.off_values) + 0.5):
            continue
        if not any(s.end_s > start + 0.5 and not (s.start_s >= start - 0.1 and s.end_s <= end + 0.5) for s in own):
            return run
    return None


def _hangup(chans, tones, plan: TonePlan, speech, duration: float):
    """Who left first: busy tone toward the side that stayed, or the side whose line went dead."""
    events = []
    busy_sides = []
    for side, _, busy in tones:
        run = _closing_busy(busy, plan, speech[side], duration)
        if run:
            events.append(Event("busy", run[0].start_s, run[-1].end_s, side, "audio", 0.9))
            busy_sides.append((run[0].start_s, side))
    if len(chans) < 2:
        detail = "busy tone on the mixed channel: someone hung up, the recording cannot say who" if busy_sides else "mono recording ends without a tone"
        return "unknown", detail, events
    if busy_sides:
        # The busy tone is played into the channel of the side that hung up (it replaces that side's audio).
        _, side = min(busy_sides)
        return side, f"busy tone on the {side} channel after the last words", events
    dead = {}
    for c in chans:
        alive = np.flatnonzero(~c.dead)
        end = (alive[-1] + 1) * HOP_S if alive.size else 0.0
        if duration - end > 0.5:
            dead[c.side] = end
    if len(dead) == 1 or (len(dead) == 2 and abs(dead[AGENT] - dead[CUSTOMER]) > 0.5):
        side = min(dead, key=dead.get)
        events.append(Event("line_dead", dead[side], duration, side, "audio", 0.7))
        return side, f"the {side} line went silent at {dead[side]:.1f} s, before the other", events
    return "unknown", "recording ends with both lines open: no hang-up evidence", events


def _overlap_events(speech: dict[str, list[Span]]) -> list[Event]:
    if AGENT not in speech:
        return []
    events = []
    for a in speech[AGENT]:
        for c in speech[CUSTOMER]:
            start, end = max(a.start_s, c.start_s), min(a.end_s, c.end_s)
            if end - start <= 0.2:
                continue
            events.append(Event("overtalk", start, end, None))
            if c.start_s < a.start_s and end - start >= _INTERRUPT_OVERLAP_S:
                events.append(Event("interruption", a.start_s, end, AGENT, "audio", 0.8, "agent started while the customer was speaking"))
    return events


def silences(speech: dict[str, list[Span]], holds: list[Event], answer_s: float) -> list[Span]:
    """Dead air: after pickup, between the first and last words, nobody speaking, no hold."""
    busy = sorted([(s.start_s, s.end_s) for spans in speech.values() for s in spans] + [(h.start_s, h.end_s) for h in holds])
    gaps: list[Span] = []
    if not busy:
        return gaps
    end = busy[0][1]
    for start, stop in busy[1:]:
        if start > end and start > answer_s:
            gaps.append(Span(max(end, answer_s), start))
        end = max(end, stop)
    return gaps


def longest_silence(speech: dict[str, list[Span]], holds: list[Event], answer_s: float) -> float:
    """Longest dead air; an unannounced wait is dead air even though it counts as a hold."""
    announced = [h for h in holds if h.detail != UNANNOUNCED_WAIT]
    return round(max((g.duration_s for g in silences(speech, announced, answer_s)), default=0.0), 2)


def add_silent_holds(tl: Timeline, cue_ends: list[float], min_s: float, window_s: float, dead_air_s: float = float("inf")) -> Timeline:
    """Long silences on both sides, which need the transcript to be told apart.

    A held line can be silent: a silence of `min_s` or more that begins within `window_s`
    of the agent's hold cue (请您稍等) is a hold. One of `dead_air_s` or more with no cue
    before it is the customer left waiting unasked: a hold (so the permission rule sees it)
    and a `dead_air` event. Where the held leg's line carried no signal at all (a PBX
    holding without music), that stretch bounds the hold, not the pauses around it.

    Holds and dead air found before are replaced: a rescore with other thresholds finds them anew.
    """
    derived = (SILENT_HOLD, UNANNOUNCED_WAIT)
    tl.holds = [h for h in tl.holds if h.detail not in derived]
    tl.events = [e for e in tl.events if not ((e.kind == "hold" and e.detail in derived) or e.kind == "dead_air")]
    idle = [e for e in tl.events if e.kind == "line_idle"]
    for gap in silences(tl.speech, tl.holds, tl.answer_s or 0.0):
        cued = any(-0.5 <= gap.start_s - t <= window_s for t in cue_ends)
        if cued and gap.duration_s >= min_s:
            kind = SILENT_HOLD
        elif not cued and gap.duration_s >= dead_air_s:
            kind = UNANNOUNCED_WAIT
            tl.events.append(Event("dead_air", gap.start_s, gap.end_s, None, "audio", 0.8, "silence on both sides, no hold cue before it"))
        else:
            continue
        span = _idle_within(gap, idle)
        hold = Event("hold", span.start_s, span.end_s, None, "audio", 0.7, kind)
        tl.holds.append(hold)
        tl.events.append(hold)
    tl.holds.sort(key=lambda h: h.start_s)
    tl.events.sort(key=lambda e: (e.start_s, e.kind))
    tl.metrics.longest_silence_s = longest_silence(tl.speech, tl.holds, tl.answer_s or 0.0)
    return tl


def _idle_within(gap: Span, idle: list[Event]) -> Span:
    """The part of `gap` where a line carried no signal, if that is most of it."""
    best = gap
    for e in idle:
        a, b = max(gap.start_s, e.start_s), min(gap.end_s, e.end_s)
        if b - a >= 0.5 * gap.duration_s and (best is gap or b - a > best.duration_s):
            best = Span(a, b)
    return best


def _idle_events(chans, speech: dict[str, list[Span]], answer_s: float) -> list[Event]:
    """Stretches inside the call where a line carried no signal (the codec's idle pattern)."""
    words = [s for spans in speech.values() for s in spans]
    if not words:
        return []
    first, last = max(answer_s, min(s.start_s for s in words)), max(s.end_s for s in words)
    events = []
    for c in chans:
        for s in _spans(c.dead):
            if s.duration_s >= _MIN_HOLD_S and s.start_s >= first and s.end_s <= last:
                events.append(Event("line_idle", s.start_s, s.end_s, c.side, "audio", 0.9, "no signal on the line"))
    return events


def speech_rates(segments) -> dict[str, float]:
    """Characters per minute of each side's own speaking time (E9), from the transcript."""
    chars: dict[str, int] = {}
    seconds: dict[str, float] = {}
    for s in segments:
        chars[s.side] = chars.get(s.side, 0) + len(re.sub(r"\W", "", s.text))
        seconds[s.side] = seconds.get(s.side, 0.0) + s.end_s - s.start_s
    return {side: round(60 * chars[side] / seconds[side], 1) for side in chars if seconds[side] >= 3.0}


def _metrics(chans, speech, holds, answer_s: float, duration: float) -> TalkMetrics:
    m = TalkMetrics()
    for c in chans:
        m.talk_s[c.side] = round(sum(s.duration_s for s in speech[c.side]), 2)
        frames = c.energy_db[c.speech]
        m.loudness_db[c.side] = round(float(np.mean(frames)), 1) if frames.size else float("nan")
    if AGENT in m.talk_s:
        total = m.talk_s[AGENT] + m.talk_s[CUSTOMER]
        m.agent_talk_share = round(m.talk_s[AGENT] / total, 3) if total else None
    m.longest_silence_s = longest_silence(speech, holds, answer_s)
    overlaps = _overlap_events(speech)
    m.overtalk_count = sum(e.kind == "overtalk" for e in overlaps)
    m.overtalk_s = round(sum(e.end_s - e.start_s for e in overlaps if e.kind == "overtalk"), 2)
    m.interruptions = sum(e.kind == "interruption" for e in overlaps)
    return m
