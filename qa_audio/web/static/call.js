// The call page's player: waveform with regions (ringback, holds, dead air, evidence);
// the transcript follows playback; a finding's evidence or a transcript line seeks there.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("player-data").textContent);
  const box = document.getElementById("waveform");
  if (!box) return;
  const COLORS = {
    ringback: "rgba(120, 144, 156, 0.28)", busy: "rgba(120, 144, 156, 0.28)", line_dead: "rgba(120, 144, 156, 0.2)",
    hold: "rgba(66, 133, 244, 0.22)", dead_air: "rgba(251, 188, 4, 0.30)", interruption: "rgba(171, 71, 188, 0.25)",
    "finding-fail": "rgba(217, 48, 37, 0.40)", "finding-pass": "rgba(30, 142, 62, 0.30)",
    "finding-na": "rgba(128, 128, 128, 0.2)", "finding-unknown": "rgba(128, 128, 128, 0.2)",
  };
  const regions = WaveSurfer.Regions.create();
  const ws = WaveSurfer.create({
    container: box, url: data.audio, height: 96, normalize: true,
    waveColor: "#9aa7b8", progressColor: "#1a56a8", cursorColor: "#d93025", cursorWidth: 2,
    barWidth: 2, barGap: 1, barRadius: 1, plugins: [regions],
  });
  window.qaPlayer = ws;
  ws.on("decode", function () {
    data.regions.forEach(function (r) {
      regions.addRegion({ start: r.start, end: r.end, color: COLORS[r.kind] || "rgba(0,0,0,0.1)", drag: false, resize: false, content: r.kind.startsWith("finding") ? undefined : r.label });
    });
    document.body.dataset.player = "ready";
  });
  const playBtn = document.getElementById("play");
  const clock = document.getElementById("clock");
  playBtn.addEventListener("click", function () { ws.playPause(); });
  ws.on("play", function () { playBtn.textContent = "❚❚ 暂停"; });
  ws.on("pause", function () { playBtn.textContent = "▶ 播放"; });

  const lines = Array.from(document.querySelectorAll("#transcript .seg"));
  let current = null;
  function fmt(t) {
    const m = Math.floor(t / 60), s = t - m * 60;
    return String(m).padStart(2, "0") + ":" + s.toFixed(1).padStart(4, "0");
  }
  ws.on("timeupdate", function (t) {
    clock.textContent = fmt(t);
    const line = lines.find(function (l) { return t >= +l.dataset.start && t < +l.dataset.end; });
    if (line !== current) {
      if (current) current.classList.remove("active");
      if (line) {
        line.classList.add("active");
        const list = line.parentElement;
        list.scrollTop = line.offsetTop - list.offsetTop - list.clientHeight / 3;
      }
      current = line || null;
    }
  });
  function seek(t, play) {
    ws.setTime(t);
    if (play) ws.play();
  }
  document.querySelectorAll(".evidence").forEach(function (b) {
    b.addEventListener("click", function () { seek(+b.dataset.start, true); });
  });
  lines.forEach(function (l) {
    l.addEventListener("click", function () { seek(+l.dataset.start, true); });
  });
})();
