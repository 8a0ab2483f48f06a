/* nnbook: small fixes to the theme's behaviour, run on every page. */
(function () {
  "use strict";

  /* pydata-sphinx-theme 0.17 binds its sidebar handlers to the FIRST
   * .primary-toggle / .secondary-toggle in the page, which in
   * sphinx-book-theme is a hidden duplicate; the visible buttons (目次 and
   * the hamburger below 1200 px) then do nothing (pydata-sphinx-theme
   * #2451, sphinx-book-theme #988). Forward their clicks to the bound one. */
  function forwardToggleClicks() {
    ["primary", "secondary"].forEach(function (side) {
      var buttons = document.querySelectorAll("." + side + "-toggle");
      var bound = buttons[0];
      for (var i = 1; i < buttons.length; i++) {
        buttons[i].addEventListener("click", function (event) {
          event.preventDefault();
          event.stopPropagation();
          bound.click();
        });
      }
    });
  }

  /* Screen readers read aria-label instead of the visible text: say what
   * a collapsed block holds and what a copy button does, in Japanese. */
  function nameButtons() {
    document.querySelectorAll("button.copybtn").forEach(function (b) {
      b.setAttribute("aria-label", "コードをコピー");
      b.setAttribute("data-tooltip", "コードをコピー");
    });
    document.querySelectorAll(".toggle-button").forEach(function (b) {
      var item = document.getElementById(b.dataset.target || "");
      var title = item && item.querySelector(".admonition-title");
      var text = title ? title.textContent.trim() : "内容";
      b.setAttribute("aria-label", text + "を表示・隠す");
    });
  }

  /* On a phone a wide figure is shrunk to the screen: a tap on it opens
   * the image itself, full size, where the reader can zoom and scroll. */
  function openFiguresOnTap() {
    var images = document.querySelectorAll(
      "main .cell_output img:not(.nnbook-slider-frame), main figure img"
    );
    images.forEach(function (img) {
      if (img.closest("a") || img.src.indexOf("data:") === 0) return;
      var link = document.createElement("a");
      link.href = img.src;
      link.className = "nnbook-figure-link";
      link.setAttribute("aria-label", "図を元の大きさで開く");
      img.parentNode.insertBefore(link, img);
      link.appendChild(img);
    });
  }

  /* --- Search (search.html) ---------------------------------------------
   * Sphinx's scorer, re-weighted for a textbook: a chapter with sections
   * titled after the query teaches it and comes first (the more such
   * sections, the higher); glossary entries
   * (scored 100 as index entries) and the overview pages, which name
   * every topic, come after it. */
  var sectionTitles = null; // docname -> lower-cased section titles

  function titlesOf(docname) {
    if (sectionTitles === null) {
      sectionTitles = {};
      var index = Search._index;
      Object.keys(index.alltitles).forEach(function (title) {
        index.alltitles[title].forEach(function (hit) {
          var doc = index.docnames[hit[0]];
          (sectionTitles[doc] = sectionTitles[doc] || []).push(
            title.toLowerCase()
          );
        });
      });
    }
    return sectionTitles[docname] || [];
  }

  function query() {
    return (new URLSearchParams(location.search).get("q") || "").trim();
  }

  window.Scorer = {
    objNameMatch: 11,
    objPartialMatch: 6,
    objPrio: { 0: 15, 1: 5, 2: -5 },
    objPrioDefault: 0,
    title: 15,
    partialTitle: 7,
    term: 5,
    partialTerm: 2,
    score: function (result) {
      var docname = result[0];
      var score = result[4];
      var q = query().toLowerCase();
      if (docname === "chapters/glossary") return Math.min(score, 6);
      if (docname === "index" || docname === "chapters/intro") {
        return score - 2;
      }
      // +10 for each section whose title names the query
      var sections = titlesOf(docname).filter(function (t) {
        return q && t.indexOf(q) >= 0;
      }).length;
      return score + 10 * sections;
    },
  };

  /* What a snippet should not quote: the page's contents list, buttons,
   * code, outputs and formulas (raw TeX in the fetched HTML). */
  var NOT_PROSE = [
    ".headerlink", "script", "style", "nav", "summary", ".cell_input",
    ".cell_output", ".math", "div.highlight", ".header-article",
    ".prev-next-area",
  ].join(",");

  function proseText(htmlString, anchor) {
    var doc = new DOMParser().parseFromString(htmlString, "text/html");
    var target = anchor ? doc.querySelector(anchor) : null;
    if (target && target.tagName === "DT") {
      target = target.nextElementSibling; // a glossary term: its definition
    }
    var root =
      target || doc.querySelector("article.bd-article") ||
      doc.querySelector('[role="main"]');
    if (!root) return "";
    root.querySelectorAll(NOT_PROSE).forEach(function (el) {
      el.replaceWith(" … ");
    });
    return root.textContent.replace(/\s+/g, " ");
  }

  var glossaryTerms = null; // anchor id -> term as the glossary spells it

  function glossaryTerm(id) {
    if (glossaryTerms === null) {
      // The index keeps terms lower-cased ("huber損失" for term-Huber);
      // the ASCII part of the anchor gives back the case.
      glossaryTerms = {};
      var index = Search._index;
      Object.keys(index.indexentries).forEach(function (entry) {
        index.indexentries[entry].forEach(function (hit) {
          if (index.docnames[hit[0]] !== "chapters/glossary") return;
          var ascii = hit[1].replace(/^term-/, "");
          var cased = entry.indexOf(ascii.toLowerCase()) === 0;
          glossaryTerms[hit[1]] = cased
            ? ascii + entry.slice(ascii.length)
            : entry;
        });
      });
      // Over HTTP the glossary page itself gives the exact spelling.
      if (location.protocol !== "file:") {
        fetch(document.documentElement.dataset.content_root +
              "chapters/glossary.html")
          .then(function (r) { return r.text(); })
          .then(function (html) {
            var doc = new DOMParser().parseFromString(html, "text/html");
            doc.querySelectorAll("dl.glossary > dt[id]").forEach(function (dt) {
              dt.querySelectorAll(".headerlink").forEach(function (h) {
                h.remove();
              });
              glossaryTerms[dt.id] = dt.textContent.trim();
            });
            if (Search.output) nameGlossaryHits(Search.output);
          })
          .catch(function () {});
      }
    }
    return glossaryTerms[id];
  }

  function nameGlossaryHits(list) {
    list.querySelectorAll("li > a").forEach(function (a) {
      var m = /glossary\.html#(term-.+)$/.exec(a.getAttribute("href") || "");
      var term = m && glossaryTerm(decodeURIComponent(m[1]));
      if (term && a.dataset.nnbookNamed !== term) {
        a.dataset.nnbookNamed = term;
        a.textContent = "用語集: " + term;
      }
    });
  }

  function improveSearchPage() {
    if (typeof Search === "undefined") return; // not the search page
    Search.htmlToText = proseText;
    var stopPulse = Search.stopPulse;
    Search.stopPulse = function () {
      stopPulse();
      // Sphinx's Japanese catalogue has no text for the count line.
      setTimeout(function () {
        var hits = Search.output ? Search.output.children.length : 0;
        if (!Search.status || !query()) return;
        Search.status.textContent = hits
          ? "「" + query() + "」の検索結果: " + hits + "件"
          : "「" + query() + "」に一致するページは見つかりませんでした。";
      }, 0);
    };
    new MutationObserver(function () {
      if (Search.output && Search._index) nameGlossaryHits(Search.output);
    }).observe(document.body, { childList: true, subtree: true });
  }

  document.addEventListener("DOMContentLoaded", improveSearchPage);
  document.addEventListener("DOMContentLoaded", forwardToggleClicks);
  document.addEventListener("DOMContentLoaded", openFiguresOnTap);
  window.addEventListener("load", nameButtons);
})();
