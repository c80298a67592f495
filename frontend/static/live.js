/* trygghet: moves the response-rate dashboard live. The page is complete without this script (numbers as of
   loading); with it, the server sends the freshly rendered numbers after every change and they are merged into the
   page: only the text and attributes that changed are touched, so keyboard focus, how far a table is scrolled
   sideways, a selection and a screen reader's reading position all stay where they were (replacing the whole part
   would throw them away several times a minute while a survey runs).
   The status line says whether the page is live; only a change of that state is announced (role=status), never every
   update. EventSource reconnects by itself after a dropped connection or a server restart; if the stream is refused
   (the session ended), the script tries again now and then and says so. */
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live || !window.EventSource || !("content" in document.createElement("template"))) return;
  var url = live.getAttribute("data-stream");
  var status = document.getElementById("live-status");
  var source = null;

  /* The connection's state in words (announced when it changes) and, apart, when numbers last arrived (not
     announced). Times are Swedish, as on the server. */
  function say(state, text) {
    if (!status) return;
    status.setAttribute("data-state", state);
    var words = status.querySelector(".live-state");
    if (words.textContent !== text) words.textContent = text;
  }
  function stamp() {
    var time = status && status.querySelector(".live-time");
    if (!time) return;
    var now;
    try {
      now = new Date().toLocaleTimeString("sv-SE", { timeZone: "Europe/Stockholm" });
    } catch (error) {
      now = new Date().toLocaleTimeString("sv-SE");
    }
    time.textContent = "Senast uppdaterad " + now + ".";
  }

  /* Makes `old` look like `fresh`, node by node. Elements marked data-live-keep (the status line) are left alone. */
  function morph(old, fresh) {
    if (old.nodeType !== 1) {
      if (old.nodeValue !== fresh.nodeValue) old.nodeValue = fresh.nodeValue;
      return;
    }
    if (old.hasAttribute("data-live-keep")) return;
    var index;
    for (index = old.attributes.length - 1; index >= 0; index -= 1) {
      var name = old.attributes[index].name;
      if (!fresh.hasAttribute(name)) old.removeAttribute(name);
    }
    for (index = 0; index < fresh.attributes.length; index += 1) {
      var attribute = fresh.attributes[index];
      if (old.getAttribute(attribute.name) !== attribute.value) old.setAttribute(attribute.name, attribute.value);
    }
    morphChildren(old, fresh);
  }
  function morphChildren(old, fresh) {
    var wanted = Array.prototype.slice.call(fresh.childNodes);
    for (var index = 0; index < wanted.length; index += 1) {
      var current = old.childNodes[index];
      var next = wanted[index];
      if (!current) old.appendChild(next);
      else if (current.nodeType === next.nodeType && current.nodeName === next.nodeName) morph(current, next);
      else old.replaceChild(next, current);
    }
    while (old.childNodes.length > wanted.length) old.removeChild(old.lastChild);
  }

  function update(html) {
    var focused = document.activeElement;
    var region = focused && live.contains(focused) ? focused.getAttribute("aria-labelledby") : null;
    var template = document.createElement("template");
    template.innerHTML = html;
    morphChildren(live, template.content);
    /* Should the focused element have been replaced after all (the part changed shape), focus its successor. */
    if (region && !live.contains(document.activeElement)) {
      var again = live.querySelector('[aria-labelledby="' + region + '"]');
      if (again) again.focus({ preventScroll: true });
    }
  }

  function connect() {
    source = new EventSource(url);
    source.addEventListener("dashboard", function (event) {
      update(event.data);
      say("live", "Uppdateras direkt.");
      stamp();
    });
    source.onerror = function () {
      if (source.readyState === EventSource.CLOSED) {
        say("lost", "Anslutningen bröts. Siffrorna uppdateras inte. Försöker igen …");
        setTimeout(connect, 5000);
      } else {
        say("lost", "Anslutningen bröts. Siffrorna uppdateras inte. Återansluter …");
      }
    };
  }
  connect();
})();
