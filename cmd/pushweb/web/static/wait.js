// pushweb's waiting page: ask every second whether the login has moved
// on, then load the page that shows the outcome. Without JavaScript the
// page refreshes itself instead (meta refresh in <noscript>).
(function () {
  "use strict";
  var pick = document.getElementById("pick");
  var shown = pick ? pick.getAttribute("data-number") : "";
  function poll() {
    fetch("status", { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        if (s.state === "waiting" && String(s.number || "") === shown) {
          setTimeout(poll, 1000);
        } else {
          location.replace("wait");
        }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  document.documentElement.setAttribute("data-polling", "on");
  setTimeout(poll, 1000);
})();
