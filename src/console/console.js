// The dashboard's live refresh: every two seconds the charts' HTML is asked for again, with the
// page's own session, and put in place. A session that has ended reloads the page, which then
// asks to sign in. Nothing else on the console runs script.
(function () {
  "use strict";
  var box = document.getElementById("live");
  if (!box) {
    return;
  }
  var url = box.getAttribute("data-src");
  function tick() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (r) {
        if (r.redirected || r.status !== 200) {
          window.location.reload();
          return null;
        }
        return r.text();
      })
      .then(function (html) {
        if (html !== null) {
          box.innerHTML = html;
        }
      })
      .catch(function () {})
      .then(function () {
        window.setTimeout(tick, 2000);
      });
  }
  window.setTimeout(tick, 2000);
})();
