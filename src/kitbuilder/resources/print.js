// « Imprimer la fiche »: the button is hidden in the page and shown only here, so that
// without JavaScript nobody sees a button that does nothing (the browser's menu prints too).
document.querySelectorAll("[data-kit-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
