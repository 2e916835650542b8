"""The signal timeline on generated calls with known ground truth."""

from __future__ import annotations

import numpy as np
import pytest

from tests import callgen
from qa_audio.decode import SAMPLE_RATE, Audio
from qa_audio.timeline import AGENT, CUSTOMER, UNANNOUNCED_WAIT, add_silent_holds, analyse
from qa_audio.tones import get_plan, load_plans

from .conftest import simple_call

PLANS = sorted(load_plans())


@pytest.mark.parametrize("plan_name", PLANS)
@pytest.mark.parametrize("rings,in_ring", [(1, False), (3, True), (4, False)])
def test_pickup_and_rings_per_plan(speech, phrases, plan_name, rings, in_ring):
    plan = get_plan(plan_name)
    audio, truth = simple_call(speech, phrases, plan, seed=rings * 7, rings=rings, answer_in_ring=in_ring)
    tl = analyse(Audio(audio, SAMPLE_RATE, "test"), plan)
    assert tl.ring_count == truth.ring_count
    assert abs(tl.answer_s - truth.answer_s) <= 0.5


@pytest.mark.parametrize("telephone", [False, True])
@pytest.mark.parametrize("hangup_by", [AGENT, CUSTOMER])
def test_hangup_side_from_busy_tone(speech, phrases, china, telephone, hangup_by):
    audio, truth = simple_call(speech, phrases, china, seed=3, hangup_by=hangup_by, telephone=telephone)
    tl = analyse(Audio(audio, SAMPLE_RATE, "test"), china)
    assert tl.hangup_by == hangup_by
    assert "busy tone" in tl.hangup_evidence


def test_hangup_side_from_dead_line_without_tone(speech, phrases, china):
    audio, _ = simple_call(speech, phrases, china, seed=4, hangup_by=CUSTOMER, busy_tone=False)
    tl = analyse(Audio(audio, SAMPLE_RATE, "test"), china)
    assert tl.hangup_by == CUSTOMER
    assert "went silent" in tl.hangup_evidence


def test_mono_never_guesses_the_hangup_side(speech, phrases, china):
    audio, _ = simple_call(speech, phrases, china, seed=5, stereo=False)
    tl = analyse(Audio(audio, SAMPLE_RATE, "test"), china)
    assert tl.hangup_by == "unknown"


def test_recording_from_answer_has_unknown_pickup(speech, phrases, china):
    audio, _ = simple_call(speech, phrases, china, seed=6, rings=None)
    tl = analyse(Audio(audio, SAMPLE_RATE, "test"), china)
    assert tl.answer_s is None and tl.ring_count is None and tl.pickup_source == "unknown"


@pytest.mark.parametrize("telephone,stereo,music_side,seed", [
    (False, True, "agent", 8), (True, True, "agent", 21), (True, True, "customer", 22), (False, False, "agent", 23), (True, False, "agent", 24),
    # macroform-cold_day's drum passage, which the model hears as speech and whose rests fall
    # below the line's noise: it must neither end the hold nor split it.
    (True, True, "customer", 46),
    # The agent's words after the hold, not 6 dB louder than loud music on average: they must
    # still bound the hold (a search for the switch that took them for music ran 2-14 s on).
    (True, True, "agent", 15), (False, False, "agent", 33),
])
def test_real_hold_music_found_as_one_hold_with_its_duration(speech, phrases, china, telephone, stereo, music_side, seed):
    turns = [
        callgen.Turn("agent", phrases["open_full_1"]),
        callgen.Turn("customer", speech[3]),
        callgen.Turn("agent", phrases["hold_ask_1"], hold_s=45.0),
        callgen.Turn("agent", phrases["hold_back_thanks_1"], "hold_back_thanks_1"),
        callgen.Turn("customer", speech[4]),
    ]
    script = callgen.CallScript(turns, china, telephone=telephone, stereo=stereo, music_side=music_side, seed=seed)
    audio, truth = callgen.compose(script)
    tl = analyse(Audio(audio, SAMPLE_RATE, "test"), china)
    assert len(tl.holds) == 1
    (start, end), hold = truth.holds[0], tl.holds[0]
    assert abs((hold.end_s - hold.start_s) - (end - start)) <= 1.0
    assert abs(hold.start_s - start) <= 1.0
    back = next(line for line in truth.lines if line.phrase_id == "hold_back_thanks_1")
    assert hold.end_s <= back.start_s + 0.1, (hold.end_s, back.start_s)
    # Music is not speech: nothing inside the hold reaches the transcriber.
    inside = [s for spans in tl.speech.values() for s in spans if s.start_s > start + 0.5 and s.end_s < end - 0.5]
    assert inside == []


def test_talk_metrics_and_interruption(speech, phrases, china):
    long_cust = max(speech, key=lambda c: len(c.audio))
    turns = [
        callgen.Turn("agent", phrases["open_full_1"]),
        callgen.Turn("customer", long_cust),
        # The agent starts 3 s before the customer has finished: an interruption.
        callgen.Turn("agent", phrases["neutral_4"], gap_s=-3.0),
    ]
    audio, _ = callgen.compose(callgen.CallScript(turns, china, seed=9))
    tl = analyse(Audio(audio, SAMPLE_RATE, "test"), china)
    assert tl.metrics.interruptions == 1
    assert tl.metrics.overtalk_count >= 1
    assert 0.2 < tl.metrics.agent_talk_share < 0.6
    assert tl.metrics.talk_s[CUSTOMER] > 15


@pytest.mark.slow  # all shared speech and music through the detector, per plan (about 4 s each)
@pytest.mark.parametrize("plan_name", PLANS)
def test_no_tones_in_speech_or_music(speech, plan_name):
    """Target: zero false ringback/busy detections on speech-only and music-only audio."""
    plan = get_plan(plan_name)
    rng = np.random.default_rng(0)
    talk = np.concatenate([callgen.level(c.audio, -20) for c in speech])
    music = callgen.hold_music(90, rng)  # a real track
    for x in (talk, callgen.telephone_channel(talk), music, callgen.telephone_channel(music)):
        tl = analyse(Audio(x[None, :], SAMPLE_RATE, "test"), plan)
        assert [e for e in tl.events if e.kind in ("ringback", "busy")] == []
        assert tl.ring_count is None and tl.hangup_by == "unknown"


def test_speech_only_call_has_no_ring_hold_or_busy(speech, china):
    x = np.concatenate([callgen.level(c.audio, -22) for c in speech[:8]])
    tl = analyse(Audio(np.stack([x, np.roll(x, 50000)]), SAMPLE_RATE, "test"), china)
    assert tl.ring_count is None and tl.holds == []
    assert not [e for e in tl.events if e.kind in ("ringback", "busy", "hold")]


def test_unannounced_wait_is_a_hold_and_dead_air(speech, phrases, china):
    turns = [
        callgen.Turn("agent", phrases["open_full_1"]),
        callgen.Turn("customer", speech[3]),
        callgen.Turn("agent", phrases["check_no_ask"], "check_no_ask", hold_s=25.0, hold_music=False),
        callgen.Turn("agent", phrases["neutral_1"]),
    ]
    audio, truth = callgen.compose(callgen.CallScript(turns, china, seed=12))
    tl = add_silent_holds(analyse(Audio(audio, SAMPLE_RATE, "test"), china), [], 8.0, 15.0, dead_air_s=20.0)
    (start, end), = truth.holds
    assert [h.detail for h in tl.holds] == [UNANNOUNCED_WAIT]
    # The held leg carried no signal: that, not the pauses around it, bounds the hold.
    assert abs(tl.holds[0].start_s - start) <= 1.0 and abs(tl.holds[0].end_s - end) <= 1.0
    assert [e.kind for e in tl.events].count("dead_air") == 1 and tl.metrics.longest_silence_s >= 25.0
    shorter = add_silent_holds(tl, [], 8.0, 15.0, dead_air_s=60.0)
    assert shorter.holds == [] and "dead_air" not in [e.kind for e in shorter.events]


def test_dead_line_on_alaw_g711_tells_who_hung_up(speech, phrases, china):
    for seed in range(30, 60):  # a seed whose G.711 line idles at A-law's +8 (callgen draws it)
        audio, truth = simple_call(speech, phrases, china, seed=seed, hangup_by=AGENT, busy_tone=False, telephone=True)
        if np.any(np.isclose(audio[0, -SAMPLE_RATE:], callgen.IDLE_ALAW, atol=1e-5)):
            break
    tl = analyse(Audio(audio, SAMPLE_RATE, "test"), china)
    assert tl.hangup_by == AGENT and "went silent" in tl.hangup_evidence


def test_recording_cut_at_hangup_says_unknown(speech, phrases, china):
    audio, truth = simple_call(speech, phrases, china, seed=31, busy_tone=False, dead_line=False)
    assert truth.hangup_by == "unknown"
    assert analyse(Audio(audio, SAMPLE_RATE, "test"), china).hangup_by == "unknown"


def test_silent_hold_needs_the_agents_cue(speech, phrases, china):
    turns = [
        callgen.Turn("agent", phrases["open_full_1"]),
        callgen.Turn("customer", speech[3]),
        callgen.Turn("agent", phrases["hold_ask_1"], "hold_ask_1", hold_s=20.0, hold_music=False),
        callgen.Turn("agent", phrases["hold_back_thanks_1"]),
    ]
    audio, truth = callgen.compose(callgen.CallScript(turns, china, telephone=True, seed=10))
    tl = analyse(Audio(audio, SAMPLE_RATE, "test"), china)
    assert tl.holds == [] and tl.metrics.longest_silence_s > 18  # without the cue it is dead air
    cue_end = next(line.end_s for line in truth.lines if line.phrase_id == "hold_ask_1")
    add_silent_holds(tl, [cue_end], min_s=8.0, window_s=15.0)
    (start, end), = truth.holds
    # The silence also holds the pauses before the hold button is pressed and after it is
    # released, which no audio shows: up to 0.8 s + 1.0 s in the generator.
    assert len(tl.holds) == 1 and abs((tl.holds[0].end_s - tl.holds[0].start_s) - (end - start)) <= 2.0
    assert tl.metrics.longest_silence_s < 5
    # A rescore with a longer minimum replaces the silent hold instead of keeping it.
    add_silent_holds(tl, [cue_end], min_s=30.0, window_s=15.0)
    assert tl.holds == [] and not [e for e in tl.events if e.kind == "hold"] and tl.metrics.longest_silence_s > 18
    other = analyse(Audio(audio, SAMPLE_RATE, "test"), china)
    add_silent_holds(other, [cue_end - 30.0], min_s=8.0, window_s=15.0)  # a cue long before: not a hold
    assert other.holds == []


@pytest.mark.parametrize("telephone", [False, True])
def test_busy_tone_found_while_the_other_side_still_talks(speech, phrases, china, telephone):
    audio, truth = simple_call(speech, phrases, china, seed=33, hangup_by=CUSTOMER, telephone=telephone)
    tl = analyse(Audio(audio, SAMPLE_RATE, "test"), china)
    busy = next(e for e in tl.events if e.kind == "busy")
    # The agent says goodbye over the busy tone the customer's hang-up brought.
    words = callgen.level(phrases["close_thanks_1"].audio, -20)[: int((tl.duration_s - busy.start_s) * SAMPLE_RATE) - 1]
    i = int((busy.start_s + 0.2) * SAMPLE_RATE)
    audio = audio.copy()
    audio[0, i : i + len(words)] += words
    tl = analyse(Audio(audio, SAMPLE_RATE, "test"), china)
    assert tl.hangup_by == CUSTOMER and "busy tone" in tl.hangup_evidence


# (On A-law with the agent's noise 8 dB under the customer's, the noise replacing the idle
# pattern's DC has the same in-band power: the level does not change, the answer is not
# in the audio, and the first words stand for it.)
@pytest.mark.parametrize("idle,agent_below_db", [(0.0, 4.0), (callgen.IDLE_ALAW, 4.0), (0.0, 8.0)])
def test_mono_answer_in_a_ring_gap_is_the_step_in_line_level(phrases, china, idle, agent_below_db):
    """On a mono mix the agent's leg opening adds its noise to the customer's (or, on A-law,
    replaces its idle pattern): the level steps by a fraction of a dB at the answer, well
    before the agent's first words."""
    rng = np.random.default_rng(3)
    ring_on, ring_off = china.ringback.cadence[0]
    answer = 0.3 + 2 * (ring_on + ring_off) - ring_off + 2.0
    words = answer + 0.9
    greeting = callgen.level(phrases["open_full_1"].audio, -20.0)
    n = int(words * SAMPLE_RATE) + len(greeting) + SAMPLE_RATE
    customer = callgen.line_noise(n, rng, -60.0)
    a = int(0.3 * SAMPLE_RATE)
    ring = callgen.cadenced(china.ringback, answer - 0.3, -18.0)
    customer[a : a + len(ring)] += ring
    agent = np.zeros(n, np.float32)
    agent[int(answer * SAMPLE_RATE) :] = callgen.line_noise(n - int(answer * SAMPLE_RATE), rng, -60.0 - agent_below_db)
    agent[int(words * SAMPLE_RATE) : int(words * SAMPLE_RATE) + len(greeting)] += greeting
    mixed = np.mean([callgen.telephone_channel(x, idle) for x in (agent, customer)], axis=0)
    tl = analyse(Audio(mixed[None, :], SAMPLE_RATE, "test"), china)
    assert tl.ring_count == 2
    assert abs(tl.answer_s - answer) <= 0.2, (tl.answer_s, answer)


def _place(n: int, parts) -> np.ndarray:
    """A channel of `n` samples holding each (start s, samples) of `parts`."""
    x = np.zeros(n, np.float32)
    for start, part in parts:
        a = int(start * SAMPLE_RATE)
        x[a : a + len(part)] += part[: n - a]
    return x


def test_long_hold_does_not_lift_the_noise_floor_into_its_music(phrases):
    """A hold of most of the call fills the quietest tenth of the channel with its music:
    the line's noise between the agent's words and the music must stay line noise, not a
    held leg's silence, so the hold starts with the music and ends with it."""
    rng = np.random.default_rng(11)
    ask, back = (callgen.level(phrases[k].audio, -20.0) for k in ("hold_ask_1", "hold_back_thanks_1"))
    h0 = 1.0 + len(ask) / SAMPLE_RATE + 1.2
    music = callgen.hold_music(140.0, rng, -38.0)
    h1 = h0 + 140.0
    n = int((h1 + 1.0 + len(back) / SAMPLE_RATE + 1.0) * SAMPLE_RATE)
    agent = callgen.line_noise(n, rng, -71.0)
    agent[int(h0 * SAMPLE_RATE) : int(h1 * SAMPLE_RATE)] = 0.0  # the held leg carries only the music
    agent += _place(n, [(1.0, ask), (h0, music), (h1 + 1.0, back)])
    customer = callgen.line_noise(n, rng, -66.0)
    tl = analyse(Audio(np.stack([agent, customer]), SAMPLE_RATE, "test"), get_plan("china"))
    (hold,) = tl.holds
    assert abs(hold.start_s - h0) <= 0.3 and abs(hold.end_s - h1) <= 0.3, (hold.start_s, hold.end_s, h0, h1)


def test_hold_music_a_few_db_over_the_noise_does_not_pass_for_the_noise(phrases, china):
    """A call that is mostly hold, its music (a real track) only a few dB over the line's
    noise: the channel's median frame is the music's, too near the noise to tell the noise
    from talk by it. The line's noise must stay line noise: before the answer (no speech in
    the ring gaps), and next to the music (the hold starts and ends with it). The track is
    the one of benchmark seeds 29017 and 29033: its quiet passages, 12 dB under this noise,
    are what the quietest tenth of the channel found instead."""
    rng = np.random.default_rng(14)
    ring_s = 8.0
    greet, ask, back = (callgen.level(phrases[k].audio, -20.0) for k in ("open_full_1", "hold_ask_1", "hold_back_thanks_1"))
    t_greet = ring_s + 0.2
    t_ask = t_greet + len(greet) / SAMPLE_RATE + 1.0
    h0 = t_ask + len(ask) / SAMPLE_RATE + 0.6
    h1 = h0 + 150.0
    n = int((h1 + 0.5 + len(back) / SAMPLE_RATE + 1.0) * SAMPLE_RATE)
    agent = _place(n, [(ring_s, callgen.line_noise(n - int(ring_s * SAMPLE_RATE), rng, -66.0)), (t_greet, greet), (t_ask, ask),
                       (h1 + 0.5, back)])
    customer = callgen.line_noise(n, rng, -51.0)
    customer[int(h0 * SAMPLE_RATE) : int(h1 * SAMPLE_RATE)] = 0.0  # the held leg carries only the music
    customer += _place(n, [(0.3, callgen.cadenced(china.ringback, ring_s - 0.3, -18.0)), (h0, callgen.hold_music(150.0, rng, -46.0, "macroform-the_simplicity"))])
    tl = analyse(Audio(np.stack([agent, customer]), SAMPLE_RATE, "test"), china)
    (hold,) = tl.holds
    assert abs(hold.start_s - h0) <= 0.3 and abs(hold.end_s - h1) <= 0.3, (hold.start_s, hold.end_s, h0, h1)
    assert tl.answer_s is not None and abs(tl.answer_s - ring_s) <= 0.5, (tl.answer_s, ring_s)


def test_mono_hold_reaches_over_the_silence_of_the_held_leg(phrases, china):
    """On a mono mix the held leg's line noise is gone while the music plays, and where the
    music fades out and stops, only the other leg's noise is left, 7 dB under the noise of
    both legs open: the hold lasts until the agent's line comes back, even when the rings
    before the answer (one leg's noise too) fill the quietest tenth of the recording."""
    rng = np.random.default_rng(12)
    ring_s = 14.0
    ask, back = (callgen.level(phrases[k].audio, -20.0) for k in ("hold_ask_1", "hold_back_thanks_1"))
    h0 = ring_s + 0.5 + len(ask) / SAMPLE_RATE + 0.6
    music = callgen.hold_music(30.0, rng, -40.0)
    # The track fades out over its last 3 s at 10 dB/s, then the held leg is silent 4 s.
    fade = np.arange(int(3.0 * SAMPLE_RATE)) / SAMPLE_RATE
    music[-len(fade) :] *= (10 ** (-10 * fade / 20)).astype(np.float32)
    h1 = h0 + 30.0 + 4.0
    n = int((h1 + 0.6 + len(back) / SAMPLE_RATE + 1.0) * SAMPLE_RATE)
    agent = callgen.line_noise(n, rng, -60.0)
    agent[: int(ring_s * SAMPLE_RATE)] = 0.0
    agent[int(h0 * SAMPLE_RATE) : int(h1 * SAMPLE_RATE)] = 0.0
    agent += _place(n, [(ring_s + 0.5, ask), (h0, music), (h1 + 0.6, back)])
    customer = callgen.line_noise(n, rng, -67.0) + _place(n, [(0.3, callgen.cadenced(china.ringback, ring_s - 0.3, -18.0))])
    tl = analyse(Audio(((agent + customer) / 2)[None, :], SAMPLE_RATE, "test"), china)
    (hold,) = tl.holds
    assert abs(hold.start_s - h0) <= 0.5 and abs(hold.end_s - h1) <= 0.5, (hold.start_s, hold.end_s, h0, h1)


def test_music_as_soft_as_the_noise_is_not_cut_by_its_louder_notes(phrases):
    """Music played at the line's noise level is told from the noise by its steadiness; the
    notes that rise a few dB over the noise for a frame are part of it, not a pause's end."""
    rng = np.random.default_rng(13)
    ask, back = (callgen.level(phrases[k].audio, -20.0) for k in ("hold_ask_1", "hold_back_thanks_1"))
    h0 = 1.0 + len(ask) / SAMPLE_RATE + 0.6
    music = callgen.hold_music(20.0, rng, -40.0)
    # 4 s of a soft, steady chord at the noise's level, and every 0.4 s a 20 ms click (a
    # drum's attack) 10 dB over it, steady neither.
    t = np.arange(int(4.0 * SAMPLE_RATE)) / SAMPLE_RATE
    chord = callgen.level(sum(np.sin(2 * np.pi * f * t) for f in (523.3, 659.3, 784.0)).astype(np.float32), -61.0)
    clicks = callgen.level(rng.standard_normal(len(t)).astype(np.float32), -51.0) * ((t % 0.4) < 0.02)
    soft = chord + clicks.astype(np.float32)
    h1 = h0 + 24.0
    n = int((h1 + 0.6 + len(back) / SAMPLE_RATE + 1.0) * SAMPLE_RATE)
    agent = callgen.line_noise(n, rng, -60.0)
    agent[int(h0 * SAMPLE_RATE) : int(h1 * SAMPLE_RATE)] = 0.0
    agent += _place(n, [(1.0, ask), (h0, music), (h0 + 20.0, soft), (h1 + 0.6, back)])
    customer = callgen.line_noise(n, rng, -68.0)
    tl = analyse(Audio(np.stack([agent, customer]), SAMPLE_RATE, "test"), get_plan("china"))
    (hold,) = tl.holds
    assert abs(hold.start_s - h0) <= 0.5 and abs(hold.end_s - h1) <= 0.5, (hold.start_s, hold.end_s, h0, h1)


def test_talk_without_pauses_is_speech_not_a_hold(speech, china):
    # 21 s of talk with hardly a pause: the most common level of its frames is the talk's,
    # and taken for the line's noise it turned the whole recording into a hold.
    clip = next(c for c in speech if c.name.startswith("mossttsd_single_reference"))
    audio = Audio(clip.audio[None, :], SAMPLE_RATE, "pcm")
    t = analyse(audio, china)
    assert not t.holds
    assert sum(s.end_s - s.start_s for spans in t.speech.values() for s in spans) > 0.9 * audio.duration_s


def _mono_gap_answer(phrases, plan, rng, telephone: bool, kinds: tuple[str, str], agent_below_db: float, after_ring_s: float):
    """A mono mix answered `after_ring_s` into the gap after the second ring: the customer's
    line (noise of `kinds[1]` at -55 dBFS, ringback) and the agent's, digitally clean until
    the answer, then noise of `kinds[0]` `agent_below_db` under the customer's, and a greeting
    0.9 s later. Returns the mix and the answer time."""
    ring_on, ring_off = plan.ringback.cadence[0]
    answer = 0.3 + 2 * (ring_on + ring_off) - ring_off + after_ring_s
    words = answer + 0.9
    greeting = callgen.level(phrases["open_full_3"].audio, -20.0)
    n = int(words * SAMPLE_RATE) + len(greeting) + SAMPLE_RATE
    a0 = int(answer * SAMPLE_RATE)
    customer = _place(n, [(0.0, callgen.line_noise(n, rng, -55.0, kinds[1])), (0.3, callgen.cadenced(plan.ringback, answer - 0.3, -18.0))])
    agent = _place(n, [(answer, callgen.line_noise(n - a0, rng, -55.0 - agent_below_db, kinds[0])), (words, greeting)])
    legs = [callgen.telephone_channel(x) for x in (agent, customer)] if telephone else [agent, customer]
    return np.mean(legs, axis=0)[None, :], answer


@pytest.mark.parametrize("telephone,kinds,agent_below_db", [(False, ("hum", "white"), 14.0), (True, ("pink", "white"), 14.0), (False, ("white", "pink"), 10.0)])
def test_mono_answer_under_the_customers_noise_is_the_step_in_its_bands(phrases, china, telephone, kinds, agent_below_db):
    """The agent's leg opens 10-14 dB under the customer's line noise: the mix's level moves
    by 0.2-0.4 dB, lost in its jitter, but the bands where the two noises' colours differ
    (hum under hiss, a duller line under a brighter one, hiss over a duller line) step at the
    answer."""
    audio, answer = _mono_gap_answer(phrases, china, np.random.default_rng(11), telephone, kinds, agent_below_db, 2.0)
    tl = analyse(Audio(audio, SAMPLE_RATE, "test"), china)
    assert tl.ring_count == 2
    assert abs(tl.answer_s - answer) <= 0.2, (tl.answer_s, answer)


def test_no_band_step_between_rings():
    """In the gaps between rings nothing connects: on mono and G.711 mixes of every noise
    colour, with ringback at any level, no band step is sure enough to be taken for an answer."""
    from qa_audio.timeline import _BAND_STEP_Z, ring_gap_band_steps

    plan = get_plan("europe")
    rng = np.random.default_rng(5)
    steps = []
    for kind in ("white", "pink", "hum"):
        for telephone in (False, True):
            n = 30 * SAMPLE_RATE
            customer = _place(n, [(0.0, callgen.line_noise(n, rng, float(rng.uniform(-72, -50)), kind)),
                                  (0.4, callgen.cadenced(plan.ringback, 29.0, float(rng.uniform(-24, -12))))])
            x = callgen.telephone_channel(customer) if telephone else customer
            steps += ring_gap_band_steps(x, plan, 30.0)
    assert len(steps) >= 24
    assert max(steps) < _BAND_STEP_Z, max(steps)


@pytest.mark.parametrize("telephone", [False, True])
def test_stereo_answer_is_the_agents_leg_opening_not_a_step_in_the_callers_noise(phrases, china, telephone):
    """On a stereo recording the ringback's channel is the caller's, live before the answer:
    its noise stepping up 1.5 dB in the ring gap (under the 2 dB of a rise, but sure as a
    step) must not be taken for the answer the agent's channel dates."""
    rng = np.random.default_rng(7)
    ring_on, ring_off = china.ringback.cadence[0]
    answer = 0.3 + ring_on + 3.0
    words = answer + 0.9
    greeting = callgen.level(phrases["open_full_3"].audio, -20.0)
    n = int(words * SAMPLE_RATE) + len(greeting) + SAMPLE_RATE
    step = int((0.3 + ring_on + 1.0) * SAMPLE_RATE)
    noise = np.concatenate([callgen.line_noise(step, rng, -56.0, "white"), callgen.line_noise(n - step, rng, -54.5, "white")])
    customer = _place(n, [(0.0, noise), (0.3, callgen.cadenced(china.ringback, answer - 0.3, -18.0))])
    agent = _place(n, [(answer, callgen.line_noise(n - int(answer * SAMPLE_RATE), rng, -50.0, "pink")), (words, greeting)])
    legs = [callgen.telephone_channel(x) for x in (agent, customer)] if telephone else [agent, customer]
    tl = analyse(Audio(np.stack(legs), SAMPLE_RATE, "test"), china)
    assert tl.ring_count == 1
    assert abs(tl.answer_s - answer) <= 0.2, (tl.answer_s, answer)


@pytest.mark.parametrize("stereo", [True, False])
@pytest.mark.parametrize("blips", [False, True])
def test_hold_starts_where_the_pbx_takes_the_leg_not_at_the_first_notes(phrases, china, stereo, blips):
    """A track may open with seconds of its recording's hiss, as loud as the line's noise and
    as unsteady: no level or steadiness tells it from the line. But the PBX's switch does:
    the line's noise (white, to 8 kHz) gives way to the hiss of an 8 kHz track (nothing over
    3.6 kHz), and on a mono mix the agent's noise leaves the sum. The hold starts there,
    not 3 s later at the first notes (benchmarks/timeline.py seeds 1043, 5013). Nor do two
    soft notes in the hiss, too short to be music and 20 dB under the agent's words, stop
    the search for the switch as words would (seeds 5033, 5057, 19004: 2-8 s late)."""
    rng = np.random.default_rng(14)
    ask, back = (callgen.level(phrases[k].audio, -20.0) for k in ("hold_ask_1", "hold_back_thanks_1"))
    h0 = 1.0 + len(ask) / SAMPLE_RATE + 0.6
    hiss = callgen.level(callgen._filter(rng.standard_normal(3 * SAMPLE_RATE).astype(np.float32), callgen._fir(0, 3600)), -62.0)
    music = callgen.hold_music(20.0, rng, -38.0)
    h1 = h0 + 23.0
    n = int((h1 + 0.6 + len(back) / SAMPLE_RATE + 1.0) * SAMPLE_RATE)
    agent = callgen.line_noise(n, rng, -62.0)
    agent[int(h0 * SAMPLE_RATE) : int(h1 * SAMPLE_RATE)] = 0.0
    agent += _place(n, [(1.0, ask), (h0, hiss), (h0 + 3.0, music), (h1 + 0.6, back)])
    if blips:
        note = callgen.tone((523.0,), 0.25, -40.0)
        agent += _place(n, [(h0 + 1.0, note), (h0 + 1.6, note)])
    customer = callgen.line_noise(n, rng, -66.0, "pink")
    channels = np.stack([agent, customer]) if stereo else ((agent + customer) / 2)[None, :]
    (hold,) = analyse(Audio(channels, SAMPLE_RATE, "test"), china).holds
    assert abs(hold.start_s - h0) <= 0.5 and abs(hold.end_s - h1) <= 0.5, (hold.start_s, hold.end_s, h0, h1)
