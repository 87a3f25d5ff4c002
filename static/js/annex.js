// Small progressive enhancements. Every page works without JavaScript.
document.addEventListener("click", function (event) {
  var el = event.target.closest("[data-confirm]");
  if (el && !window.confirm(el.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});

// The main navigation folds behind a "Menu" button on narrow screens (the CSS decides when it is folded).
(function () {
  var button = document.querySelector(".nav-toggle");
  var header = document.querySelector(".site-header");
  if (!button || !header) {
    return;
  }
  button.hidden = false;
  header.classList.add("nav-foldable");
  button.addEventListener("click", function () {
    var open = header.classList.toggle("nav-open");
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });
})();
