/* Parley's small script: live updates (server-sent events), the compose box's character
   counter, mention autocomplete and attachment previews. Everything works without it; this
   only enhances. */
(function () {
  "use strict";

  var URL_LENGTH = 23;
  var URL_RE = /https?:\/\/[^\s<>"']+/g;
  var REMOTE_MENTION_RE = /(^|[^\w\/@])@(\w[\w.-]*)@[\w.-]+\w/g;

  function textLength(text) {
    var length = text.replace(URL_RE, function () { return "x".repeat(URL_LENGTH); });
    length = length.replace(REMOTE_MENTION_RE, function (_m, pre, user) { return pre + "@" + user; });
    return Array.from(length).length;
  }

  function activate(node) {
    if (window.htmx) { window.htmx.process(node); }
    setup(node);
  }

  /* Character counter ------------------------------------------------------------------ */
  function setupCounter(form) {
    if (form.dataset.counterReady) { return; }
    form.dataset.counterReady = "1";
    var max = parseInt(form.dataset.max || "500", 10);
    var text = form.querySelector("textarea[name=text]");
    var cw = form.querySelector("input[name=spoiler_text]");
    var output = form.querySelector("output.counter");
    if (!text || !output) { return; }
    function update() {
      var left = max - textLength(text.value) - textLength(cw ? cw.value : "");
      output.textContent = left >= 0 ? left + " characters left" : (-left) + " characters too many";
      output.classList.toggle("over", left < 0);
    }
    text.addEventListener("input", update);
    if (cw) { cw.addEventListener("input", update); }
    text.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { form.requestSubmit(); }
    });
    update();
  }

  /* Mention autocomplete --------------------------------------------------------------- */
  var listCount = 0;
  function setupAutocomplete(textarea) {
    if (textarea.dataset.autocompleteReady) { return; }
    textarea.dataset.autocompleteReady = "1";
    var list = document.createElement("ul");
    list.className = "suggestions";
    list.id = "suggestions-" + (++listCount);
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "People to mention");
    list.hidden = true;
    textarea.insertAdjacentElement("afterend", list);
    textarea.setAttribute("aria-autocomplete", "list");
    textarea.setAttribute("aria-controls", list.id);
    var timer = null, active = -1, token = null, asked = "";

    function close() {
      list.hidden = true; list.innerHTML = ""; active = -1;
      textarea.removeAttribute("aria-activedescendant");
    }
    function currentToken() {
      var before = textarea.value.slice(0, textarea.selectionStart);
      var match = /(^|\s)@([\w.]+(?:@[\w.-]*)?)$/.exec(before);
      return match ? { start: before.length - match[2].length - 1, query: match[2] } : null;
    }
    function choose(index) {
      var option = list.children[index];
      if (!option || !token) { return; }
      var value = textarea.value, caret = textarea.selectionStart;
      var insert = "@" + option.dataset.acct + " ";
      textarea.value = value.slice(0, token.start) + insert + value.slice(caret);
      var position = token.start + insert.length;
      textarea.setSelectionRange(position, position);
      textarea.dispatchEvent(new Event("input"));
      close();
      textarea.focus();
    }
    function highlight(index) {
      Array.prototype.forEach.call(list.children, function (option, i) {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      active = index;
      if (list.children[index]) {
        textarea.setAttribute("aria-activedescendant", list.children[index].id);
      }
    }
    function show(accounts) {
      list.innerHTML = "";
      accounts.forEach(function (account, i) {
        var option = document.createElement("li");
        option.id = list.id + "-" + i;
        option.setAttribute("role", "option");
        option.dataset.acct = account.acct;
        var name = document.createElement("strong");
        name.textContent = account.display_name;
        var handle = document.createElement("span");
        handle.textContent = " @" + account.acct;
        option.appendChild(name); option.appendChild(handle);
        option.addEventListener("mousedown", function (event) { event.preventDefault(); choose(i); });
        list.appendChild(option);
      });
      if (!accounts.length) { close(); return; }
      list.hidden = false;
      highlight(0);
    }
    textarea.addEventListener("input", function () {
      token = currentToken();
      if (!token) { close(); return; }
      clearTimeout(timer);
      timer = setTimeout(function () {
        if (token.query === asked && !list.hidden) { return; }
        asked = token.query;
        fetch("/suggest/accounts?q=" + encodeURIComponent(token.query), { credentials: "same-origin" })
          .then(function (response) { return response.ok ? response.json() : []; })
          .then(show).catch(close);
      }, 150);
    });
    textarea.addEventListener("keydown", function (event) {
      if (list.hidden) { return; }
      var count = list.children.length;
      if (event.key === "ArrowDown") { event.preventDefault(); highlight((active + 1) % count); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight((active - 1 + count) % count); }
      else if (event.key === "Enter" || event.key === "Tab") { event.preventDefault(); choose(active); }
      else if (event.key === "Escape") { event.preventDefault(); close(); }
    });
    textarea.addEventListener("blur", function () { setTimeout(close, 100); });
  }

  /* Attachments: one more slot at a time, and a preview of each chosen file ------------- */
  function setupMedia(box) {
    if (box.dataset.mediaReady) { return; }
    box.dataset.mediaReady = "1";
    var slots = Array.prototype.slice.call(box.querySelectorAll("[data-media-slot]"));
    function fileOf(slot) {
      var input = slot.querySelector("[data-media-file]");
      return input && input.files && input.files[0];
    }
    function refresh() {
      var video = slots.some(function (slot) {
        var file = fileOf(slot);
        return file && !/^image\//.test(file.type);
      });
      slots.forEach(function (slot, i) {
        var previous = i === 0 || fileOf(slots[i - 1]);
        slot.hidden = !fileOf(slot) && (!previous || video);
      });
    }
    function preview(slot) {
      var place = slot.querySelector("[data-media-preview]");
      var file = fileOf(slot);
      place.textContent = "";
      if (!file) { refresh(); return; }
      if (/^image\//.test(file.type)) {
        var reader = new FileReader();
        reader.onload = function () {
          var image = document.createElement("img");
          image.src = reader.result;  /* a data: URL: the page's CSP allows those, not blob: */
          image.alt = "Preview of " + file.name;
          place.appendChild(image);
        };
        reader.readAsDataURL(file);
      } else {
        var note = document.createElement("p");
        note.className = "hint";
        note.textContent = file.name + ": a video or sound goes alone in a post.";
        place.appendChild(note);
      }
      refresh();
    }
    slots.forEach(function (slot) {
      var input = slot.querySelector("[data-media-file]");
      if (input) { input.addEventListener("change", function () { preview(slot); }); }
    });
    refresh();
  }

  /* Live updates ----------------------------------------------------------------------- */
  function fragment(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }
  function announce(text) {
    var status = document.querySelector("[data-live-status]");
    if (status) { status.textContent = text; }
  }
  function authorOf(node) {
    var name = node.querySelector(".display-name");
    return name ? name.textContent : "someone";
  }
  function onDelete(event) {
    var gone = document.getElementById(event.data);
    if (gone) {
      var note = document.createElement("p");
      note.className = "removed hint";
      note.textContent = "This post was deleted.";
      gone.replaceWith(note);
    }
  }

  function liveThread(root) {
    if (root.dataset.liveReady) { return; }
    root.dataset.liveReady = "1";
    var chat = root.hasAttribute("data-chat");
    var source = new EventSource(root.dataset.liveThread + (chat ? "?view=chat" : ""));
    source.addEventListener("post", function (event) {
      var node = fragment(event.data);
      if (!node) { return; }
      var article = node.matches("[id^=post-]") ? node : node.querySelector("[id^=post-]");
      if (article && document.getElementById(article.id)) { return; }
      var parent = chat ? null : document.getElementById("replies-" + node.dataset.parentId);
      (parent || root).appendChild(node);
      activate(node);
      announce("New reply from " + authorOf(node) + ".");
    });
    source.addEventListener("delete", onDelete);
    root.classList.add("is-live");
  }

  function liveFeed(bar) {
    if (bar.dataset.liveReady) { return; }
    bar.dataset.liveReady = "1";
    var feed = document.getElementById(bar.dataset.target);
    var button = bar.querySelector("[data-show-new]");
    if (!feed || !button) { return; }
    var pending = [];
    var source = new EventSource(bar.dataset.liveFeed);
    source.addEventListener("post", function (event) {
      var node = fragment(event.data);
      if (!node) { return; }
      pending.unshift(node);
      button.hidden = false;
      button.textContent = "Show " + pending.length + " new post" + (pending.length === 1 ? "" : "s");
    });
    source.addEventListener("delete", onDelete);
    button.addEventListener("click", function () {
      var empty = feed.querySelector(".empty");
      if (empty) { empty.remove(); }
      pending.reverse().forEach(function (node) {
        var article = node.querySelector("[id^=post-]");
        if (article && document.getElementById(article.id)) { return; }
        feed.insertBefore(node, feed.firstChild);
        activate(node);
      });
      pending = [];
      button.hidden = true;
      var first = feed.querySelector("article");
      if (first) { first.setAttribute("tabindex", "-1"); first.focus(); }
    });
  }

  function setup(scope) {
    /* "Post later" is the browser's local time: tell the server how far that is from UTC. */
    scope.querySelectorAll("input[data-tz-offset]").forEach(function (input) {
      input.value = String(new Date().getTimezoneOffset());
    });
    scope.querySelectorAll("form[data-compose]").forEach(setupCounter);
    scope.querySelectorAll("textarea[data-autocomplete]").forEach(setupAutocomplete);
    scope.querySelectorAll("[data-compose-media]").forEach(setupMedia);
    scope.querySelectorAll("[data-live-thread]").forEach(liveThread);
    scope.querySelectorAll("[data-live-feed]").forEach(liveFeed);
  }

  document.addEventListener("DOMContentLoaded", function () { setup(document); });
  document.addEventListener("htmx:load", function (event) {
    if (event.target && event.target.querySelectorAll) { setup(event.target); }
  });
})();
