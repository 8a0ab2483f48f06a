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

  document.addEventListener("DOMContentLoaded", forwardToggleClicks);
  document.addEventListener("DOMContentLoaded", openFiguresOnTap);
  window.addEventListener("load", nameButtons);
})();
