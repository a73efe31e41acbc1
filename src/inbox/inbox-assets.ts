/**
 * The inbox's stylesheet and its one small script, served as files (the Content-Security-Policy
 * allows no inline code). The pages work without the script: it only keeps the time left current
 * and checks that edited arguments are a JSON object before the form goes.
 */

/** `GET /assets/inbox.css`. */
export const INBOX_CSS = `
:root { color-scheme: light; --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; --accent: #0b57d0; --danger: #b42318; --ok: #1a7f37; --panel: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; color: var(--ink); background: #fff; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.skip-link { position: absolute; left: -999px; top: 0; background: #fff; padding: .5rem 1rem; }
.skip-link:focus { left: 1rem; z-index: 1; }
header.top { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; justify-content: space-between; padding: .75rem 1.5rem; border-bottom: 1px solid var(--line); background: var(--panel); }
header.top .brand { font-weight: 600; text-decoration: none; color: var(--ink); }
header.top .who { display: flex; gap: .75rem; align-items: center; color: var(--muted); }
header.top form { margin: 0; }
main { max-width: 64rem; margin: 0 auto; padding: 1.5rem; }
h1 { font-size: 1.6rem; margin: .25rem 0 1rem; }
h2 { font-size: 1.25rem; margin: 1.5rem 0 .5rem; }
h3 { font-size: 1rem; margin: 1rem 0 .25rem; }
code, pre, textarea { font: 14px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: .75rem; overflow: auto; white-space: pre-wrap; word-break: break-word; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; vertical-align: top; padding: .5rem .5rem; border-bottom: 1px solid var(--line); }
th { font-size: .85rem; color: var(--muted); font-weight: 600; }
td .arguments { display: block; color: var(--muted); max-width: 26rem; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.badge { display: inline-block; font-size: .8rem; padding: 0 .5rem; border-radius: 999px; border: 1px solid var(--line); background: #fff; color: var(--muted); font-weight: 500; vertical-align: middle; }
.notice { border-left: 4px solid var(--ok); background: #eefbf1; padding: .5rem .75rem; }
.error { border-left: 4px solid var(--danger); background: #fef3f2; color: #7a271a; padding: .5rem .75rem; }
.error[hidden] { display: none; }
.hint, .muted { color: var(--muted); font-size: .9rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0 0 1rem; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
ol.conversation { list-style: none; padding: 0; margin: 0; display: grid; gap: .5rem; }
ol.conversation li { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .75rem; }
ol.conversation li.user { background: #f0f6ff; }
ol.conversation .speaker { display: block; font-size: .8rem; font-weight: 600; color: var(--muted); }
ol.conversation p { margin: 0; white-space: pre-wrap; }
section.call { border: 1px solid var(--line); border-radius: 8px; padding: 0 1.25rem 1.25rem; margin: 1.5rem 0; }
section.call:target { border-color: var(--accent); box-shadow: 0 0 0 2px var(--accent); }
form.decision { margin-top: 1rem; display: grid; gap: .35rem; align-content: start; }
form.decision label { font-weight: 600; }
textarea { width: 100%; padding: .5rem; border: 1px solid #8c959f; border-radius: 6px; }
textarea[aria-invalid="true"] { border-color: var(--danger); }
.actions { display: flex; flex-wrap: wrap; gap: .75rem; align-items: center; }
button { font: inherit; padding: .45rem 1.1rem; border-radius: 6px; border: 1px solid #8c959f; background: #fff; color: var(--ink); cursor: pointer; }
button.primary { background: var(--ok); border-color: var(--ok); color: #fff; font-weight: 600; }
button.danger { background: #fff; border-color: var(--danger); color: var(--danger); font-weight: 600; }
button:hover { filter: brightness(.95); }
.columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); gap: 1.5rem; }
`;

/** `GET /assets/inbox.js`: progressive enhancement only. */
export const INBOX_JS = `
'use strict';
(function () {
  function left(ms) {
    if (ms <= 0) return 'now (passed)';
    var seconds = Math.round(ms / 1000);
    if (seconds < 60) return 'in ' + seconds + ' s';
    var minutes = Math.floor(seconds / 60);
    if (minutes < 60) return 'in ' + minutes + ' min ' + (seconds % 60) + ' s';
    var hours = Math.floor(minutes / 60);
    if (hours < 48) return 'in ' + hours + ' h ' + (minutes % 60) + ' min';
    return 'in ' + Math.floor(hours / 24) + ' days';
  }
  var clocks = document.querySelectorAll('time[data-countdown]');
  function tick() {
    clocks.forEach(function (clock) { clock.textContent = left(Date.parse(clock.getAttribute('datetime')) - Date.now()); });
  }
  if (clocks.length) { tick(); setInterval(tick, 1000); }

  document.addEventListener('submit', function (event) {
    var form = event.target;
    var field = form.querySelector('textarea[data-json-object]');
    if (!field) return;
    var problem = '';
    try {
      var value = JSON.parse(field.value);
      if (typeof value !== 'object' || value === null || Array.isArray(value)) problem = 'The arguments must be a JSON object ({ ... }).';
    } catch (error) {
      problem = 'The arguments are not valid JSON: ' + error.message;
    }
    var alert = form.querySelector('[data-error]');
    if (!problem || !alert) return;
    event.preventDefault();
    alert.textContent = problem;
    alert.hidden = false;
    field.setAttribute('aria-invalid', 'true');
    field.focus();
  });
})();
`;
