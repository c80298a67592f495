/* trygghet: the municipality picker's search (admin/municipality_picker.html). The picker works without this script:
   every county folds open and the ticked boxes are sent. With it, a search field narrows the 290 municipalities as
   you type (by municipality or county name, so "värm" shows all of Värmland), the counties with a match open, and
   the line above the list says which are chosen, also to a screen reader (aria-live). Enter in the search field
   does not send the form. */
(function () {
  "use strict";
  var search = document.querySelector("[data-picker-search]");
  if (!search || !search.closest) return;
  var picker = search.closest("fieldset");
  var input = search.querySelector("input");
  var none = search.querySelector("[data-picker-none]");
  var chosenLine = picker.querySelector("[data-picker-chosen]");
  var counties = Array.prototype.slice.call(picker.querySelectorAll("details.county"));
  var openAtStart = counties.map(function (county) { return county.open; });
  // The page's own words, in its language: "Valda: %{names}.", "inga", "(%{count} valda)".
  var chosenText = chosenLine.getAttribute("data-text");
  var noneText = chosenLine.getAttribute("data-none");
  var countText = picker.getAttribute("data-count-text");

  function words(text) {
    return (text || "").toLocaleLowerCase("sv").trim();
  }

  function boxes(county) {
    return Array.prototype.slice.call(county.querySelectorAll("input[type=checkbox]"));
  }

  function checked(county) {
    return boxes(county).filter(function (box) { return box.checked; });
  }

  function filter() {
    var query = words(input.value);
    var found = false;
    counties.forEach(function (county, index) {
      var countyMatches = query !== "" && words(county.getAttribute("data-county")).indexOf(query) !== -1;
      var shown = 0;
      boxes(county).forEach(function (box) {
        var match = query === "" || countyMatches || words(box.getAttribute("data-name")).indexOf(query) !== -1;
        box.closest("label").hidden = !match;
        if (match) shown += 1;
      });
      county.hidden = shown === 0;
      county.open = query === "" ? openAtStart[index] || checked(county).length > 0 : shown > 0;
      found = found || shown > 0;
    });
    none.hidden = found;
  }

  function describe() {
    var names = [];
    counties.forEach(function (county) {
      var ticked = checked(county);
      ticked.forEach(function (box) { names.push(box.getAttribute("data-name")); });
      var count = county.querySelector("[data-county-count]");
      if (count) count.textContent = ticked.length > 0 ? countText.replace("%{count}", ticked.length) : "";
    });
    chosenLine.textContent = chosenText.replace("%{names}", names.length > 0 ? names.join(", ") : noneText);
  }

  search.hidden = false;
  input.addEventListener("input", filter);
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter") event.preventDefault();
  });
  picker.addEventListener("change", describe);
})();
