/* trygghet: the questionnaire's optional script. Every page works without it; with it,
   1. what is typed on a page is kept in this browser until the server has it, so a lost connection, a closed tab or
      a crash loses nothing (restored only into a page that comes back empty, and forgotten once the server shows the
      page with saved answers);
   2. a follow-up question ("Did you report it to the police?") is shown only when its condition holds, and sends
      nothing while hidden;
   3. once the answers are with the server for good (the review, "saved for later", the thank-you page: pages with a
      <meta name="trygghet-forget" content="PREFIX">), the copies are forgotten, so that neither answers nor the code
      (which names each copy) stay behind on a shared device;
   4. an option that rules out the others ("Nej, ingen sådan plats") unticks them, and they untick it. */
(function () {
  "use strict";
  var store = null;
  try { store = window.localStorage; } catch (e) { store = null; }

  var done = document.querySelector('meta[name="trygghet-forget"]');
  if (done && store) {
    var prefix = "trygghet:" + done.getAttribute("content"), stale = [];
    for (var i = 0; i < store.length; i++) {
      if (store.key(i).indexOf(prefix) === 0) stale.push(store.key(i));
    }
    stale.forEach(function (name) { store.removeItem(name); });
  }

  var form = document.getElementById("answers");
  if (!form) return;
  var key = "trygghet:" + form.getAttribute("data-autosave");

  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) { return el.name && el.name.indexOf("q.") === 0; });
  }
  function hasValues() {
    return fields().some(function (el) {
      return (el.type === "radio" || el.type === "checkbox") ? el.checked : el.value.trim() !== "";
    });
  }
  function snapshot() {
    var values = {};
    fields().forEach(function (el) {
      if (el.type === "radio" || el.type === "checkbox") {
        if (el.checked) (values[el.name] = values[el.name] || []).push(el.value);
      } else if (el.value !== "") {
        values[el.name] = [el.value];
      }
    });
    return values;
  }
  function restore(values) {
    fields().forEach(function (el) {
      var given = values[el.name] || [];
      if (el.type === "radio" || el.type === "checkbox") el.checked = given.indexOf(el.value) >= 0;
      else if (given.length) el.value = given[0];
    });
  }

  if (store) {
    var kept = null;
    try { kept = JSON.parse(store.getItem(key) || "null"); } catch (e) { kept = null; }
    if (hasValues()) {
      store.removeItem(key); /* the server has this page's answers (or the page shows what was just typed) */
    } else if (kept) {
      restore(kept);
    }
    form.addEventListener("input", function () {
      try { store.setItem(key, JSON.stringify(snapshot())); } catch (e) { /* storage full or blocked: no matter */ }
    });
  }

  /* Follow-up questions. */
  var followUps = form.querySelectorAll("[data-show-if]");
  function applies(el) {
    var name = el.getAttribute("data-show-if"), wanted = el.getAttribute("data-equals");
    return Array.prototype.some.call(form.elements, function (input) {
      return input.name === name && input.checked && input.value === wanted;
    });
  }
  function update() {
    Array.prototype.forEach.call(followUps, function (el) {
      /* A follow-up whose parent is on another page is never hidden here. */
      var parentHere = Array.prototype.some.call(form.elements, function (input) {
        return input.name === el.getAttribute("data-show-if");
      });
      el.hidden = parentHere && !applies(el);
      /* A hidden follow-up sends nothing (what was chosen in it comes back if it is shown again). */
      Array.prototype.forEach.call(el.querySelectorAll("input, textarea, select"), function (input) {
        input.disabled = el.hidden;
      });
      var hint = el.querySelector(".hint");
      if (hint && parentHere) hint.hidden = true;
    });
  }
  if (followUps.length) {
    update();
    form.addEventListener("change", update);
  }

  /* An option that rules out the others ("Nej, ingen sådan plats"): ticking it unticks the others, and ticking
     another unticks it. Without the script the server asks for one or the other. */
  form.addEventListener("change", function (event) {
    var box = event.target;
    if (!box || box.type !== "checkbox" || !box.checked) return;
    Array.prototype.forEach.call(form.elements, function (other) {
      if (other === box || other.type !== "checkbox" || other.name !== box.name) return;
      if (box.hasAttribute("data-exclusive") || other.hasAttribute("data-exclusive")) other.checked = false;
    });
  });
})();
