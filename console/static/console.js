// The console's own few lines (no build step): live parts over Server-Sent Events, and a
// problem's "line N" link that selects the line in the editor.
// An element with data-sse="<url>" listens to that stream; each event replaces the inner
// HTML of its child marked data-sse-event="<event name>" (or appends, with
// data-sse-append); with data-sse-swap-root "done" replaces the element itself; "oob"
// replaces elements elsewhere by id and ends the stream, as "failed" does.
(function () {
  function listen(root) {
    var source = new EventSource(root.getAttribute("data-sse"));
    root.removeAttribute("data-sse");
    ["status", "delta", "done", "failed", "oob"].forEach(function (name) {
      source.addEventListener(name, function (event) {
        if (name === "oob") {  // elements that replace the page's elements of the same id
          var box = document.createElement("div");
          box.innerHTML = event.data;
          Array.prototype.forEach.call(box.children, function (el) {
            var old = el.id && document.getElementById(el.id);
            if (old) { old.replaceWith(el); }
          });
          source.close();
          return;
        }
        var slot = root.querySelector('[data-sse-event="' + name + '"]');
        if (name === "done" && root.hasAttribute("data-sse-swap-root")) {
          root.outerHTML = event.data;
        } else if (slot && slot.hasAttribute("data-sse-append")) {
          slot.insertAdjacentHTML("beforeend", event.data);
        } else if (slot) {
          slot.innerHTML = event.data;
        }
        if (name === "failed" || (name === "done" && !root.hasAttribute("data-sse-swap-root"))) {
          source.close();
        }
      });
    });
  }
  // streams that arrive later (a chat turn htmx just added)
  document.addEventListener("htmx:afterSettle", function () {
    document.querySelectorAll("[data-sse]").forEach(listen);
  });
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
