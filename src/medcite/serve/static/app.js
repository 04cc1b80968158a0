/* medcite: the citation popover, and "Open in source" links under quoted passages.
   Progressive enhancement only: without this file a citation still jumps to its reference,
   whose "Quoted passages" show the same text. No inline script (the CSP forbids it). */
(function () {
  "use strict";

  var pop = null;
  var opener = null;

  function norm(text) {
    return (text || "").replace(/\s+/g, " ").trim();
  }

  function docUrl(doc, passageId) {
    return "/documents/" + encodeURIComponent(doc).replace(/%3A/gi, ":") + (passageId ? "#p-" + passageId : "");
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  // The quoted passage behind a citation link: the reference's blockquote whose marked
  // quote is the link's data-passage (a reference may quote several passages).
  function evidenceFor(link) {
    var ref = document.getElementById((link.getAttribute("href") || "").slice(1));
    if (!ref) return { ref: null, quote: null };
    var quotes = ref.querySelectorAll("blockquote[data-passage-id]");
    var wanted = norm(link.getAttribute("data-passage"));
    for (var i = 0; i < quotes.length; i++) {
      var mark = quotes[i].querySelector("mark");
      if (mark && norm(mark.textContent) === wanted) return { ref: ref, quote: quotes[i] };
    }
    return { ref: ref, quote: quotes.length ? quotes[0] : null };
  }

  function referenceText(ref) {
    var copy = ref.cloneNode(true);
    var drop = copy.querySelectorAll("details, .source-link");
    for (var i = 0; i < drop.length; i++) drop[i].parentNode.removeChild(drop[i]);
    return norm(copy.textContent);
  }

  function close(restoreFocus) {
    if (!pop) return;
    pop.parentNode.removeChild(pop);
    pop = null;
    if (opener) {
      opener.setAttribute("aria-expanded", "false");
      if (restoreFocus) opener.focus();
    }
    opener = null;
  }

  function place(link) {
    var rect = link.getBoundingClientRect();
    var width = pop.offsetWidth;
    var maxLeft = document.documentElement.clientWidth - width - 8;
    var left = Math.max(8, Math.min(rect.left, maxLeft));
    pop.style.left = left + window.scrollX + "px";
    pop.style.top = rect.bottom + window.scrollY + 6 + "px";
  }

  function open(link) {
    close(false);
    var found = evidenceFor(link);
    var number = norm(link.textContent);
    pop = el("div", "cite-popover");
    pop.id = "cite-popover";
    pop.setAttribute("role", "dialog");
    pop.setAttribute("aria-label", "Source of citation " + number);
    pop.tabIndex = -1;

    var closer = el("button", "pop-close", "\u00d7");
    closer.type = "button";
    closer.setAttribute("aria-label", "Close");
    closer.addEventListener("click", function () { close(true); });
    pop.appendChild(closer);
    pop.appendChild(el("h2", "", "Source [" + number + "]"));

    var doc = found.ref ? found.ref.getAttribute("data-doc") : null;
    var passageId = null;
    if (found.quote) {
      var quote = found.quote.cloneNode(true);
      quote.removeAttribute("id");
      pop.appendChild(quote);
      passageId = found.quote.getAttribute("data-passage-id");
      doc = found.quote.getAttribute("data-doc") || doc;
      var where = found.quote.nextElementSibling;
      if (where && where.classList.contains("where")) {
        pop.appendChild(el("p", "pop-section", "Section: " + norm(where.textContent)));
      }
    } else if (link.getAttribute("data-passage")) {
      pop.appendChild(el("blockquote", "", link.getAttribute("data-passage")));
    }
    if (found.ref) pop.appendChild(el("p", "pop-ref", referenceText(found.ref)));

    var links = el("p", "pop-links");
    if (doc) {
      var source = el("a", "open-source", "Open in source");
      source.href = docUrl(doc, passageId);
      links.appendChild(source);
    }
    var toRef = el("a", "", "Go to reference");
    toRef.href = link.getAttribute("href");
    toRef.addEventListener("click", function () { close(false); });
    links.appendChild(toRef);
    pop.appendChild(links);

    document.body.appendChild(pop);
    place(link);
    opener = link;
    link.setAttribute("aria-expanded", "true");
    pop.focus();
  }

  function addSourceLinks() {
    var quotes = document.querySelectorAll(".refs blockquote[data-passage-id][data-doc]");
    for (var i = 0; i < quotes.length; i++) {
      var q = quotes[i];
      var p = el("p", "source-link");
      var a = el("a", "", "Open in source");
      a.href = docUrl(q.getAttribute("data-doc"), q.getAttribute("data-passage-id"));
      p.appendChild(a);
      var after = q.nextElementSibling && q.nextElementSibling.classList.contains("where") ? q.nextElementSibling : q;
      after.parentNode.insertBefore(p, after.nextSibling);
    }
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a.cite") : null;
    if (link) {
      event.preventDefault();
      if (opener === link) close(true);
      else open(link);
      return;
    }
    if (pop && !pop.contains(event.target)) close(false);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && pop) close(true);
  });

  // Reposition rather than close: phones resize as their address bar slides away.
  window.addEventListener("resize", function () { if (pop && opener) place(opener); });

  function init() {
    var cites = document.querySelectorAll("a.cite");
    for (var i = 0; i < cites.length; i++) {
      cites[i].setAttribute("aria-haspopup", "dialog");
      cites[i].setAttribute("aria-expanded", "false");
      cites[i].setAttribute("aria-controls", "cite-popover");
    }
    addSourceLinks();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
