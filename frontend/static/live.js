/* trygghet: moves the response-rate dashboard and the results page live. Both pages are complete without this script
   (figures as of loading); with it, they follow changes as they happen, merged into the page: only the text and
   attributes that changed are touched, so keyboard focus, how far a table is scrolled sideways, an open table, a
   selection and a screen reader's reading position all stay where they were (replacing the whole part would throw
   them away every time).
   - The dashboard (#live without data-version): the server sends the freshly rendered part after every change.
   - The results page (#live with data-version): the server sends only a short version of what the viewer sees; when
     it differs from the page's, the page is fetched again with the same address (the same choices) and its results
     part merged in, at most once every few seconds and not while the tab is hidden. Results cost more to compute
     than rates, and only someone looking needs them.
   The status line says whether the page is live; a change of that state is announced (role=status). On the results
   page an update is announced politely too, since the figures a reader is looking at have changed; on the dashboard,
   which moves several times a minute, it is not. EventSource reconnects by itself after a dropped connection or a
   server restart; if the stream is refused (the session ended), the script tries again now and then and says so. */
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live || !window.EventSource || !window.DOMParser || !("content" in document.createElement("template"))) return;
  var url = live.getAttribute("data-stream");
  var eventName = live.getAttribute("data-event") || "dashboard";
  var refetching = live.hasAttribute("data-version");
  var status = document.getElementById("live-status");
  var source = null;
  var liveWords = refetching ? "Uppdateras när nya svar kommer in." : "Uppdateras direkt.";

  /* The connection's state in words (announced when it changes) and, apart, when figures last arrived. Times are
     Swedish, as on the server. */
  function say(state, text) {
    if (!status) return;
    status.setAttribute("data-state", state);
    var words = status.querySelector(".live-state");
    if (words.textContent !== text) words.textContent = text;
  }
  function now() {
    try {
      return new Date().toLocaleTimeString("sv-SE", { timeZone: "Europe/Stockholm" });
    } catch (error) {
      return new Date().toLocaleTimeString("sv-SE");
    }
  }
  function stamp(text) {
    var time = status && status.querySelector(".live-time");
    if (time) time.textContent = text;
  }

  /* Makes `old` look like `fresh`, node by node. Elements marked data-live-keep (the status line) are left alone, and
     so is whether a <details> is open: that is the reader's choice. */
  function morph(old, fresh) {
    if (old.nodeType !== 1) {
      if (old.nodeValue !== fresh.nodeValue) old.nodeValue = fresh.nodeValue;
      return;
    }
    if (old.hasAttribute("data-live-keep")) return;
    var index;
    for (index = old.attributes.length - 1; index >= 0; index -= 1) {
      var name = old.attributes[index].name;
      if (name === "open" && old.nodeName === "DETAILS") continue;
      if (!fresh.hasAttribute(name)) old.removeAttribute(name);
    }
    for (index = 0; index < fresh.attributes.length; index += 1) {
      var attribute = fresh.attributes[index];
      if (attribute.name === "open" && old.nodeName === "DETAILS") continue;
      if (old.getAttribute(attribute.name) !== attribute.value) old.setAttribute(attribute.name, attribute.value);
    }
    morphChildren(old, fresh);
  }
  /* Children are matched by position, but an element with a key is matched by its key: its id, or for a part
     without one (a <section>) the id of its first element (its heading). When a part appears or goes before it (the
     promises followed, a note), the part the reader opened or focused moves along instead of being overwritten by
     its neighbour. */
  function key(node) {
    if (node.nodeType !== 1) return "";
    if (node.id) return node.id;
    var first = node.firstElementChild;
    return first && first.id ? "in:" + first.id : "";
  }
  function keyedAfter(nodes, from, wanted) {
    for (var index = from; index < nodes.length; index += 1) {
      if (key(nodes[index]) === wanted) return nodes[index];
    }
    return null;
  }
  function morphChildren(old, fresh) {
    var wanted = Array.prototype.slice.call(fresh.childNodes);
    for (var index = 0; index < wanted.length; index += 1) {
      var current = old.childNodes[index];
      var next = wanted[index];
      var wantedKey = key(next);
      if (current && wantedKey && key(current) !== wantedKey) {
        var same = keyedAfter(old.childNodes, index + 1, wantedKey);
        if (same) {
          old.insertBefore(same, current);
          current = same;
        }
      }
      if (!current) old.appendChild(next);
      else if (key(current) && key(current) !== wantedKey && keyedAfter(wanted, index + 1, key(current))) {
        old.insertBefore(next, current);
      }
      else if (current.nodeType === next.nodeType && current.nodeName === next.nodeName) morph(current, next);
      else old.replaceChild(next, current);
    }
    while (old.childNodes.length > wanted.length) old.removeChild(old.lastChild);
  }

  /* Merges `fresh` (a node whose children are the new part) into the page. */
  function update(fresh) {
    var focused = document.activeElement;
    var region = focused && live.contains(focused) ? focused.getAttribute("aria-labelledby") : null;
    morphChildren(live, fresh);
    /* Should the focused element have been replaced after all (the part changed shape), focus its successor. */
    if (region && !live.contains(document.activeElement)) {
      var again = live.querySelector('[aria-labelledby="' + region + '"]');
      if (again) again.focus({ preventScroll: true });
    }
  }

  /* The results page: the newest version the server announced, and fetching the page again for it. */
  var GAP = 5000;
  var RETRY_AFTER_FAILURE = 30000;
  var wanted = live.getAttribute("data-version");
  var nextAllowed = Date.now() + GAP;
  var timer = null;
  var busy = false;
  var waitingForTab = false;

  function schedule() {
    if (timer || busy || wanted === live.getAttribute("data-version")) return;
    timer = setTimeout(function () {
      timer = null;
      if (document.hidden) waitingForTab = true;
      else refresh();
    }, Math.max(0, nextAllowed - Date.now()));
  }
  function refresh() {
    busy = true;
    nextAllowed = Date.now() + GAP;
    fetch(window.location.href, { credentials: "same-origin", cache: "no-store", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error("the page answered " + response.status);
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("live");
        /* Without it, the answer was another page (signing in, after the session ended). */
        if (!fresh || !fresh.hasAttribute("data-version")) throw new Error("no results in the answer");
        update(fresh);
        live.setAttribute("data-version", fresh.getAttribute("data-version"));
        stamp("Siffrorna uppdaterades " + now() + " med nya svar.");
        say("live", liveWords);
      })
      .catch(function () {
        nextAllowed = Date.now() + RETRY_AFTER_FAILURE;
        say("lost", "De nya siffrorna kunde inte hämtas. Försöker igen om en stund …");
      })
      .then(function () {
        busy = false;
        schedule();
      });
  }
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && waitingForTab) {
      waitingForTab = false;
      refresh();
    }
  });

  function connect() {
    source = new EventSource(url);
    source.addEventListener(eventName, function (event) {
      if (refetching) {
        wanted = event.data;
        schedule();
      } else {
        var template = document.createElement("template");
        template.innerHTML = event.data;
        update(template.content);
        stamp("Senast uppdaterad " + now() + ".");
      }
      say("live", liveWords);
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
