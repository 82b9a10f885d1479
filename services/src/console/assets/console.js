// The console's one script: live sections over server-sent events, and a page that refreshes
// itself (the wall screen). Everything works without it except the live updates.
"use strict";
(function () {
  function live(source) {
    var events = new EventSource(source);
    events.onopen = function () { document.body.dataset.live = "open"; };
    events.onerror = function () { document.body.dataset.live = "reconnecting"; };
    events.addEventListener("application", function (event) {
      var holder = document.createElement("template");
      holder.innerHTML = event.data.trim();
      var section = holder.content.firstElementChild;
      if (!section) { return; }
      var id = section.getAttribute("data-application");
      var old = document.querySelector('section[data-application="' + CSS.escape(id) + '"]');
      if (old) { old.replaceWith(section); } else { document.getElementById("applications").append(section); }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var main = document.querySelector("[data-live-source]");
    if (main) { live(main.getAttribute("data-live-source")); }
    var refresh = document.querySelector("[data-refresh-seconds]");
    if (refresh) {
      var seconds = parseInt(refresh.getAttribute("data-refresh-seconds"), 10);
      if (seconds > 0) { window.setTimeout(function () { window.location.reload(); }, seconds * 1000); }
    }
  });
})();
