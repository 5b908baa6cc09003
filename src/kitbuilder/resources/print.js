// « Imprimer la fiche »: the button is hidden in the page and shown only here, so that
// without JavaScript nobody sees a button that does nothing (the browser's menu prints too).
document.querySelectorAll("[data-kit-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});

// The running footer of printed kit pages names the kit (kit.css reads --kit-name in its
// @page margin box); the page carries the name in a hidden mark made by the build.
const mark = document.querySelector("[data-kit-name]");
if (mark) {
  document.documentElement.style.setProperty("--kit-name", JSON.stringify(mark.dataset.kitName));
}
