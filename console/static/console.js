// The console's own few lines (no build step): live parts over Server-Sent Events, and a
// problem's "line N" link that selects the line in the editor.
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
  // "line N" beside a problem selects that line of the YAML editor
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("[data-line]") : null;
    var editor = document.getElementById("spec");
    if (!link || !editor) { return; }
    event.preventDefault();
    var lines = editor.value.split("\n"), n = +link.getAttribute("data-line") - 1;
    var start = lines.slice(0, n).join("\n").length + (n > 0 ? 1 : 0);
    editor.focus();
    editor.setSelectionRange(start, start + (lines[n] || "").length);
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-sse]").forEach(listen);
  });
})();
