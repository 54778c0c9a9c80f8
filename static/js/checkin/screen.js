// The room screen refreshes itself: it asks /screen.json every few seconds and redraws the rooms
// with the texts the server wrote in the page's language (templates/checkin/screen.html draws
// the same; keep the two alike). No names ever: sessions, times and seat counts only.
(function () {
  "use strict";
  var body = document.body;
  var source = body.getAttribute("data-src");
  var every = (parseInt(body.getAttribute("data-refresh"), 10) || 20) * 1000;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function titled(tag, session) {
    var node = el(tag, "screen-title", session.title);
    node.setAttribute("lang", session.title_lang);
    node.setAttribute("dir", session.title_dir);
    return node;
  }

  function time(tag, text) {
    var node = el(tag, "screen-time");
    var isolated = el("bdi", "", text);
    isolated.setAttribute("dir", "ltr");
    node.appendChild(isolated);
    return node;
  }

  function room(data, labels) {
    var item = el("li", "screen-room" + (data.now && data.now.full ? " is-full" : ""));
    if (data.name) {
      var name = el("h2", "screen-room-name");
      name.appendChild(el("bdi", "", data.name));
      item.appendChild(name);
    }
    var now = el("div", "screen-now");
    now.appendChild(el("p", "screen-label", labels.now));
    if (data.now) {
      now.appendChild(titled("p", data.now));
      now.appendChild(time("p", data.now.time));
      if (data.now.status) now.appendChild(el("p", "screen-seats", data.now.status));
    } else {
      now.appendChild(el("p", "screen-none", labels.nothing_now));
    }
    item.appendChild(now);
    var next = el("div", "screen-next");
    next.appendChild(el("span", "screen-label", labels.next));
    if (data.next) {
      next.appendChild(document.createTextNode(" "));
      next.appendChild(time("span", data.next.starts));
      next.appendChild(document.createTextNode(" "));
      next.appendChild(titled("span", data.next));
    } else {
      next.appendChild(document.createTextNode(" "));
      next.appendChild(el("span", "screen-none", labels.nothing_next));
    }
    item.appendChild(next);
    return item;
  }

  function draw(screen) {
    var list = document.getElementById("screen-rooms");
    var fresh = document.createDocumentFragment();
    screen.rooms.forEach(function (data) { fresh.appendChild(room(data, screen.labels)); });
    if (!screen.rooms.length) fresh.appendChild(el("li", "screen-empty", screen.labels.empty));
    list.replaceChildren(fresh);
    var clock = document.getElementById("screen-clock");
    clock.textContent = screen.clock;
    clock.setAttribute("datetime", screen.at);
    body.classList.remove("is-stale");
  }

  function refresh() {
    fetch(source, { headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(draw)
      .catch(function () { body.classList.add("is-stale"); })
      .then(function () { window.setTimeout(refresh, every); });
  }

  window.setTimeout(refresh, every);
})();
