/* trygghet: moves the response-rate dashboard live. The page is complete without this script (numbers as of
   loading); with it, the server sends the freshly rendered numbers after every change and they replace the old ones.
   EventSource reconnects by itself after a dropped connection or a server restart; if the stream is refused (the
   session ended), the script tries again now and then and says so. */
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live || !window.EventSource) return;
  var url = live.getAttribute("data-stream");
  var source = null;

  function say(text) {
    var status = document.getElementById("live-status");
    if (status) status.querySelector(".live-state").textContent = text;
  }
  function connect() {
    source = new EventSource(url);
    source.addEventListener("dashboard", function (event) {
      /* Keep the reader's place: replace only the content, and keep focus on the same table if it had it. */
      var focused = document.activeElement && document.activeElement.getAttribute("aria-labelledby");
      live.innerHTML = event.data;
      if (focused) {
        var again = live.querySelector('[aria-labelledby="' + focused + '"]');
        if (again) again.focus({ preventScroll: true });
      }
      var time = new Date().toLocaleTimeString("sv-SE");
      say("Uppdateras direkt. Senast " + time + ".");
    });
    source.onerror = function () {
      if (source.readyState === EventSource.CLOSED) {
        say("Anslutningen bröts. Försöker igen …");
        setTimeout(connect, 5000);
      } else {
        say("Anslutningen bröts. Återansluter …");
      }
    };
  }
  connect();
})();
