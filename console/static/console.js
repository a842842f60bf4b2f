// The console's own few lines (no build step): live parts over Server-Sent Events.
// An element with data-sse="<url>" listens to that stream; each event replaces the inner
// HTML of its child marked data-sse-event="<event name>"; "done" and "failed" end it.
(function () {
  function listen(root) {
    var source = new EventSource(root.getAttribute("data-sse"));
    ["status", "done", "failed"].forEach(function (name) {
      source.addEventListener(name, function (event) {
        var slot = root.querySelector('[data-sse-event="' + name + '"]');
        if (slot) { slot.innerHTML = event.data; }
        if (name !== "status") { source.close(); root.removeAttribute("data-sse"); }
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-sse]").forEach(listen);
  });
})();
