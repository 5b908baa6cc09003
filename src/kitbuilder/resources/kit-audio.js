// Story pages: the chapters seek the player, and the scene being heard is highlighted.
// Without this script the page still works: the native player plays, each chapter leads to
// its scene in the text, which is the transcript.
(() => {
  const setUp = () => {
    const player = document.querySelector("audio.kit-audio");
    if (!player || player.dataset.kitReady) return;
    player.dataset.kitReady = "1";
    const scenes = [...document.querySelectorAll("a[data-kit-start]")].map((link) => ({
      link,
      start: Number(link.dataset.kitStart),
      text: sceneText(document.getElementById(decodeURIComponent(link.hash.slice(1)))),
    }));
    scenes.forEach(({ link, start }) => {
      // The link still scrolls to the scene; the player jumps there and plays.
      link.addEventListener("click", () => {
        player.currentTime = start;
        player.play().catch(() => {});
      });
    });
    let current = null;
    const follow = () => {
      const heard = scenes.filter((scene) => scene.start <= player.currentTime + 0.05).pop();
      const now = player.currentTime > 0 ? heard || null : null;
      if (now === current) return;
      if (current) mark(current, false);
      if (now) mark(now, true);
      current = now;
    };
    ["timeupdate", "seeked", "ended"].forEach((event) => player.addEventListener(event, follow));
  };

  // A scene's elements: from its anchor to the next scene's anchor or the next heading
  // after its own (« Questions pour le groupe »).
  const sceneText = (anchor) => {
    const parts = [];
    for (let node = anchor && anchor.nextElementSibling; node; node = node.nextElementSibling) {
      if (node.classList.contains("kit-scene") || (node.tagName === "H2" && parts.length)) break;
      parts.push(node);
    }
    return parts;
  };

  const mark = (scene, on) => {
    scene.text.forEach((node) => node.classList.toggle("kit-heard", on));
    if (on) scene.link.setAttribute("aria-current", "true");
    else scene.link.removeAttribute("aria-current");
  };

  // Material's instant navigation replaces pages without running scripts again.
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(setUp);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
