// The review list's "select all on this page" box: the only script of the desk.
document.addEventListener("DOMContentLoaded", () => {
  const all = document.getElementById("pick-all");
  if (!all) return;
  all.addEventListener("change", () => {
    for (const box of document.querySelectorAll('input[name="pick"]')) box.checked = all.checked;
  });
});
