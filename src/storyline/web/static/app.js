// Storyline keyboard shortcuts: j / k move to the next / previous story, o (or Enter) opens it.
// No inline scripts anywhere (the Content-Security-Policy forbids them).
(function () {
  "use strict";
  let current = -1;
  function stories() { return Array.from(document.querySelectorAll(".story")); }
  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }
  function focus(index) {
    const items = stories();
    if (!items.length) return;
    current = Math.max(0, Math.min(items.length - 1, index));
    items.forEach(function (el) { el.classList.remove("current"); });
    const item = items[current];
    item.classList.add("current");
    item.setAttribute("tabindex", "-1");
    item.focus({ preventScroll: true });
    item.scrollIntoView({ block: "nearest" });
  }
  function open() {
    const item = stories()[current];
    if (!item) return;
    const link = item.querySelector("a.headline, a.event-title");
    const href = link ? link.getAttribute("href") : item.dataset.href;
    if (href && href.charAt(0) === "/") window.location.assign(href);
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (event.key === "j") { focus(current + 1); event.preventDefault(); }
    else if (event.key === "k") { focus(current - 1); event.preventDefault(); }
    else if (event.key === "o" || (event.key === "Enter" && current >= 0 && event.target.classList.contains("story"))) { open(); event.preventDefault(); }
  });
})();
