/* trygghet: keying in a paper form. Enter moves to the next field (the next question, or the button after the last
   one) instead of sending the form half done, as keyers expect from forms they fill in all day; Enter on the button
   sends it, and a text box keeps Enter for its line breaks. The form works the same without this script, where Enter
   sends it as any form does. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-paper]");
  if (!form) return;
  var note = document.querySelector("[data-paper-enter]");
  if (note) note.hidden = false;

  /* One stop per field: each text field and list, and each group of radio buttons or checkboxes once. */
  function stops() {
    var seen = {};
    var list = [];
    Array.prototype.forEach.call(form.elements, function (field) {
      if (field.type === "hidden" || field.disabled || field.tagName === "BUTTON" || field.tagName === "FIELDSET") return;
      if (field.type === "radio" || field.type === "checkbox") {
        if (seen[field.name]) return;
        seen[field.name] = true;
      }
      list.push(field);
    });
    return list;
  }

  function sameStop(stop, field) {
    return stop === field || ((field.type === "radio" || field.type === "checkbox") && stop.name === field.name);
  }

  form.addEventListener("keydown", function (event) {
    var field = event.target;
    if (event.key !== "Enter" || event.shiftKey || event.ctrlKey || event.altKey || event.metaKey) return;
    if (!field || field.tagName === "TEXTAREA" || field.tagName === "BUTTON") return;
    var list = stops();
    var index = -1;
    for (var i = 0; i < list.length; i += 1) {
      if (sameStop(list[i], field)) { index = i; break; }
    }
    if (index === -1) return;
    event.preventDefault();
    var next = list[index + 1] || form.querySelector("button[type=submit]");
    if (next && next.type === "radio") {
      var group = form.querySelectorAll("input[type=radio]");
      for (var j = 0; j < group.length; j += 1) {
        if (group[j].name === next.name && group[j].checked) { next = group[j]; break; }
      }
    }
    if (next) next.focus();
  });
})();
