/// The web dashboard `GET /` serves: one page with no outside files, reading `/api/status` every
/// two seconds and `/api/history?range=` every minute, charting the room against its setpoint,
/// the power and the hash rate over the last 6 h, 24 h or 7 d (buttons; `#7d` in the address
/// picks one), and changing mode and setpoint through the API with the token a person types in
/// (kept in the browser's local storage). When it has drawn, `<body>` carries `data-ready`, and
/// each chart its number of points in `data-points`, its range in `data-range` and, in
/// `data-check`, the time and value of its middle point as the API gave it: what the
/// headless-browser test compares with the API.
enum Dashboard {
    static let html = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="generator" content="Hearth, with the AxeOS API (ESP-Miner) at /api/system/info">
        <title>Hearth</title>
        <style>
          :root { --bg: #15110e; --card: #221b16; --text: #f3e9df; --dim: #a8978a; --warm: #ff8a3d; --set: #7cc4ff; --bad: #ff5a5a; }
          * { box-sizing: border-box; }
          body { margin: 0; font: 15px/1.4 system-ui, "DejaVu Sans", sans-serif; background: var(--bg); color: var(--text); }
          header { display: flex; align-items: baseline; gap: 1.5rem; padding: 1.2rem 1.5rem 0.4rem; flex-wrap: wrap; }
          h1 { font-size: 1.1rem; margin: 0; color: var(--dim); font-weight: 600; letter-spacing: .05em; }
          #room { font-size: 3.2rem; font-weight: 700; color: var(--warm); }
          #setpoint-line { color: var(--dim); }
          #setpoint { color: var(--set); font-weight: 600; }
          main { padding: 0 1.5rem 1.5rem; display: grid; gap: 1rem; }
          .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(11rem, 1fr)); gap: .8rem; }
          .card { background: var(--card); border-radius: .6rem; padding: .7rem .9rem; }
          .card .label { color: var(--dim); font-size: .8rem; text-transform: uppercase; letter-spacing: .06em; }
          .card .value { font-size: 1.4rem; font-weight: 600; }
          .card .sub { color: var(--dim); font-size: .85rem; }
          #faults { background: #3a1414; border: 1px solid var(--bad); border-radius: .6rem; padding: .7rem .9rem; }
          #faults[hidden] { display: none; }
          #faults b { color: var(--bad); }
          canvas { width: 100%; height: 260px; background: var(--card); border-radius: .6rem; }
          canvas.small { height: 160px; }
          #history-problem { color: var(--bad); }
          .controls { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
          button { background: var(--card); color: var(--text); border: 1px solid #4a3d33; border-radius: .5rem; padding: .45rem .9rem; font: inherit; cursor: pointer; }
          button.active { border-color: var(--warm); color: var(--warm); }
          input { background: var(--card); color: var(--text); border: 1px solid #4a3d33; border-radius: .5rem; padding: .4rem .6rem; font: inherit; width: 15rem; }
          #message { color: var(--dim); min-height: 1.2em; }
          .legend span { margin-right: 1rem; } .legend .r { color: var(--warm); } .legend .s { color: var(--set); }
          #economics[hidden] { display: none; }
          #economics table { width: 100%; border-collapse: collapse; background: var(--card); border-radius: .6rem; }
          #economics th, #economics td { padding: .35rem .7rem; text-align: right; }
          #economics th:first-child, #economics td:first-child { text-align: left; color: var(--dim); }
        </style>
        </head>
        <body>
        <header>
          <h1>HEARTH <span id="hostname"></span></h1>
          <div><span id="room">–</span></div>
          <div id="setpoint-line">holding <span id="setpoint">–</span> · mode <span id="mode">–</span><span id="override"></span></div>
        </header>
        <main>
          <div id="faults" hidden><b>Heater stopped by its safety supervisor</b> (compute off, fans full) until a person clears it:
            <ul id="fault-list"></ul><button id="clear-faults">Clear faults</button></div>
          <div class="cards">
            <div class="card"><div class="label">Heat (power)</div><div class="value" id="power">–</div><div class="sub" id="supply"></div></div>
            <div class="card"><div class="label">Hash rate</div><div class="value" id="hashrate">–</div><div class="sub" id="engine"></div></div>
            <div class="card"><div class="label">Fan</div><div class="value" id="fan">–</div><div class="sub" id="fanrpm"></div></div>
            <div class="card"><div class="label">Pool</div><div class="value" id="shares">–</div><div class="sub" id="pool"></div></div>
            <div class="card"><div class="label">Sensors</div><div class="sub" id="sensors"></div></div>
          </div>
          <div class="controls" id="ranges"></div>
          <div id="history-problem"></div>
          <div>
            <div class="legend"><span class="r">■ room</span><span class="s">■ setpoint</span><span id="span"></span></div>
            <canvas id="chart" width="1200" height="260" data-points="0"></canvas>
          </div>
          <div>
            <div class="legend"><span class="r">■ heat (power)</span></div>
            <canvas id="power-chart" class="small" width="1200" height="160" data-points="0"></canvas>
          </div>
          <div>
            <div class="legend"><span class="s">■ hash rate</span></div>
            <canvas id="hashrate-chart" class="small" width="1200" height="160" data-points="0"></canvas>
          </div>
          <div id="economics" hidden>
            <div class="legend">What the heat cost and earned <span id="tariff"></span></div>
            <table><thead><tr><th></th><th>heat</th><th>cost</th><th>earned</th><th>net cost</th><th>net per kWh</th><th>a heat pump</th></tr></thead>
            <tbody id="economics-rows"></tbody></table>
            <div class="legend">Day by day</div>
            <table><thead><tr><th>day</th><th>heat</th><th>cost</th><th>earned</th><th>net cost</th><th>net per kWh</th></tr></thead>
            <tbody id="day-rows"></tbody></table>
          </div>
          <div class="controls" id="modes"></div>
          <div class="controls">
            <button data-step="-0.5">− 0.5 °C</button><button data-step="0.5">+ 0.5 °C</button>
            <input id="token" type="password" placeholder="API token (for changes)" autocomplete="off">
          </div>
          <div id="message"></div>
        </main>
        <script>
        "use strict";
        const $ = (id) => document.getElementById(id);
        const modes = ["off", "heat", "eco", "boost", "night"];
        const ranges = ["6h", "24h", "7d"];
        let status = null, history = [], range = ranges.includes(location.hash.slice(1)) ? location.hash.slice(1) : "24h";
        $("token").value = localStorage.getItem("hearth-token") || "";
        $("token").addEventListener("change", () => localStorage.setItem("hearth-token", $("token").value));

        function rate(h) {
          const units = [[1e12, "TH/s"], [1e9, "GH/s"], [1e6, "MH/s"], [1e3, "kH/s"]];
          for (const [scale, unit] of units) if (h >= scale) return (h / scale).toFixed(2) + " " + unit;
          return h.toFixed(0) + " H/s";
        }
        function celsius(v) { return v == null ? "–" : v.toFixed(1) + " °C"; }

        function render() {
          const s = status;
          $("hostname").textContent = s.hostname;
          $("room").textContent = celsius(s.room);
          $("setpoint").textContent = celsius(s.setpoint);
          $("mode").textContent = s.mode;
          $("override").textContent = s.scheduleOverridden ? " (set by hand until the schedule's next slot)" : "";
          $("power").textContent = s.powerWatts.toFixed(0) + " W";
          $("supply").textContent = s.supplyWatts == null ? "" : "measured " + s.supplyWatts.toFixed(0) + " W";
          $("hashrate").textContent = rate(s.hashRate);
          $("engine").textContent = s.engine;
          $("fan").textContent = s.fanDuty == null ? "–" : (s.fanDuty * 100).toFixed(0) + " %";
          $("fanrpm").textContent = s.fanRPM == null ? "" : s.fanRPM.toFixed(0) + " rpm";
          const p = s.pool;
          $("shares").textContent = p ? p.accepted + " ✓ " + p.rejected + " ✗" : (s.heatOnly ? "no pool: heat only" : "no pool");
          $("pool").textContent = p ? (p.name || "") + (p.authorized ? " · difficulty " + p.difficulty : " · not connected") + (s.heatOnly ? " · heat only" : "") : "";
          $("sensors").innerHTML = "";
          for (const t of s.temperatures) {
            const line = document.createElement("div");
            line.textContent = t.name + ": " + (t.celsius == null ? "unreadable (" + t.error + ")" : celsius(t.celsius));
            $("sensors").appendChild(line);
          }
          $("faults").hidden = s.faults.length === 0;
          $("fault-list").innerHTML = "";
          for (const f of s.faults) { const li = document.createElement("li"); li.textContent = f; $("fault-list").appendChild(li); }
          for (const b of document.querySelectorAll("#modes button")) b.classList.toggle("active", b.dataset.mode === s.mode);
          $("history-problem").textContent = s.history ? "History: " + s.history : "";
          const e = s.economics;
          $("economics").hidden = !e;
          if (e) {
            const money = (v) => v == null ? "–" : v.toFixed(2) + " " + e.currency;
            $("tariff").textContent = "· " + e.pricePerKWh.toFixed(2) + " " + e.currency + "/kWh now" +
              (e.btcPrice ? " · 1 BTC = " + e.btcPrice.toFixed(0) + " " + e.currency : " · no bitcoin price set");
            $("economics-rows").innerHTML = "";
            for (const [name, a] of [["today", e.today], ["this month", e.month], ["lifetime", e.lifetime]]) {
              const row = document.createElement("tr");
              row.dataset.period = name;
              for (const cell of [name, a.energyKWh.toFixed(2) + " kWh", money(a.cost),
                  a.earnedSats.toFixed(0) + " sats" + (a.earned == null ? "" : " (" + money(a.earned) + ")"),
                  money(a.netCost), money(a.netCostPerKWh), money(a.heatPumpCost)]) {
                const td = document.createElement("td"); td.textContent = cell; row.appendChild(td);
              }
              $("economics-rows").appendChild(row);
            }
          }
          draw();
          document.body.dataset.ready = "1";
        }

        // One chart: the history's points of `series` (the first is the one data-check names),
        // with `live` (the status now) added at the end where given; `axis` sets the scale.
        function chart(id, series, axis, live) {
          const canvas = $(id), g = canvas.getContext("2d");
          const w = canvas.width, h = canvas.height, pad = 84;
          g.clearRect(0, 0, w, h);
          const points = history.slice();
          if (live) points.push(live);
          const middle = history[Math.floor(history.length / 2)];
          canvas.dataset.points = points.length;
          canvas.dataset.range = range;
          canvas.dataset.check = middle ? middle.time + " " + middle[series[0].key] : "";
          if (points.length < 2) return;
          const values = points.flatMap(p => series.map(s => p[s.key])).filter(v => v != null);
          const [lo, hi, step] = axis.scale(Math.min(...values), Math.max(...values));
          const t0 = points[0].time, t1 = points[points.length - 1].time;
          const x = t => pad + (w - 2 * pad) * (t - t0) / Math.max(t1 - t0, 1);
          const y = v => h - 24 + (34 - h) * (v - lo) / (hi - lo);
          g.strokeStyle = "#3a2f27"; g.fillStyle = "#a8978a"; g.font = "13px sans-serif"; g.lineWidth = 1;
          for (let v = lo; v <= hi + 1e-9; v += step) {
            g.beginPath(); g.moveTo(pad, y(v)); g.lineTo(w - pad, y(v)); g.stroke(); g.fillText(axis.text(v), 4, y(v) + 4);
          }
          for (let i = 0; i <= 4; i++) {
            const t = t0 + (t1 - t0) * i / 4, d = new Date(t * 1000);
            const text = (range === "7d" ? d.toLocaleDateString([], { weekday: "short" }) + " " : "") +
              d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
            g.fillText(text, Math.min(Math.max(x(t) - 20, pad), w - pad - 60), h - 6);
          }
          for (const { key, color, step } of series) {
            g.strokeStyle = color; g.lineWidth = 2; g.beginPath();
            let started = false, last = null;
            for (const p of points) {
              if (p[key] == null) { started = false; continue; }
              if (!started) { g.moveTo(x(p.time), y(p[key])); started = true; }
              else { if (step) g.lineTo(x(p.time), y(last)); g.lineTo(x(p.time), y(p[key])); }
              last = p[key];
            }
            g.stroke();
          }
        }
        // From zero up, in at most five steps of a round size.
        function fromZero(text) {
          return {
            text,
            scale(lo, hi) {
              const top = Math.max(hi, 1e-9) * 1.1, unit = Math.pow(10, Math.floor(Math.log10(top / 5)));
              const step = [1, 2, 2.5, 5, 10].map(m => m * unit).find(s => s * 5 >= top);
              return [0, step * Math.ceil(top / step), step];
            }
          };
        }
        const degrees = {
          text: v => v + "°",
          scale(lo, hi) {
            const l = Math.floor(lo - 0.5), u = Math.ceil(hi + 0.5);
            return [l, u, Math.max(1, Math.round((u - l) / 5))];
          }
        };

        function draw() {
          const live = (key, value) => status ? { time: Date.now() / 1000, [key]: value } : null;
          chart("chart", [{ key: "room", color: "#ff8a3d" }, { key: "setpoint", color: "#7cc4ff", step: true }], degrees,
                status ? { time: Date.now() / 1000, room: status.room, setpoint: status.setpoint } : null);
          chart("power-chart", [{ key: "powerWatts", color: "#ff8a3d" }], fromZero(v => v.toFixed(0) + " W"),
                live("powerWatts", status && status.powerWatts));
          chart("hashrate-chart", [{ key: "hashRate", color: "#7cc4ff" }], fromZero(rate), live("hashRate", status && status.hashRate));
          for (const b of document.querySelectorAll("#ranges button")) b.classList.toggle("active", b.dataset.range === range);
          $("span").textContent = "the last " + range;
        }

        async function refresh() {
          try {
            const r = await fetch("/api/status");
            status = await r.json();
            render();
          } catch (e) { $("message").textContent = "cannot reach the heater: " + e; }
        }
        async function refreshHistory() {
          try {
            const asked = range, page = await (await fetch("/api/history?range=" + asked)).json();
            if (asked === range) { history = page.samples; draw(); }
          } catch (e) {}
        }
        // The last fortnight from GET /api/economics, newest first (nothing without [economics]).
        async function refreshDays() {
          try {
            const r = await fetch("/api/economics");
            if (!r.ok) return;
            const e = await r.json();
            const money = (v) => v == null ? "–" : v.toFixed(2) + " " + e.currency;
            $("day-rows").innerHTML = "";
            for (const d of (e.days || []).slice(-14).reverse()) {
              const a = d.account, row = document.createElement("tr");
              row.dataset.day = d.day;
              for (const cell of [d.day, a.energyKWh.toFixed(2) + " kWh", money(a.cost),
                  a.earnedSats.toFixed(0) + " sats" + (a.earned == null ? "" : " (" + money(a.earned) + ")"),
                  money(a.netCost), money(a.netCostPerKWh)]) {
                const td = document.createElement("td"); td.textContent = cell; row.appendChild(td);
              }
              $("day-rows").appendChild(row);
            }
          } catch (e) {}
        }
        async function change(path, method, body) {
          const token = $("token").value;
          const r = await fetch(path, { method, headers: { "Authorization": "Bearer " + token, "Content-Type": "application/json" },
                                        body: body ? JSON.stringify(body) : undefined });
          const answer = await r.json();
          $("message").textContent = r.ok ? "done" : (answer.error && answer.error.message) || ("HTTP " + r.status);
          refresh();
        }
        for (const m of modes) {
          const b = document.createElement("button"); b.textContent = m; b.dataset.mode = m;
          b.addEventListener("click", () => change("/api/mode", "PUT", { mode: m }));
          $("modes").appendChild(b);
        }
        for (const r of ranges) {
          const b = document.createElement("button"); b.textContent = r; b.dataset.range = r;
          b.addEventListener("click", () => { range = r; location.hash = r; history = []; draw(); refreshHistory(); });
          $("ranges").appendChild(b);
        }
        for (const b of document.querySelectorAll("[data-step]")) {
          b.addEventListener("click", () => status && change("/api/setpoint", "PUT", { setpoint: status.setpoint + Number(b.dataset.step) }));
        }
        $("clear-faults").addEventListener("click", () => change("/api/faults/clear", "POST"));
        refreshHistory().then(refreshDays).then(refresh);
        setInterval(refresh, 2000);
        setInterval(refreshHistory, 60000);
        setInterval(refreshDays, 60000);
        </script>
        </body>
        </html>
        """#
}
