// The Now page reloads itself every data-refresh seconds when the
// operator asked for it (/console/now?refresh=15), and not while the tab
// is hidden.
const now = document.getElementById("now");
const seconds = Number(now?.dataset.refresh || 0);
if (seconds > 0) {
  setInterval(() => {
    if (document.visibilityState === "visible") {
      location.reload();
    }
  }, seconds * 1000);
}
