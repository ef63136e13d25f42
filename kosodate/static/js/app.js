// Small enhancements of the pages; each page also works without them (the forms post as they are).
// Loaded from a file (never inline): the Content-Security-Policy allows scripts from the app only.
"use strict";

const PHONE = window.matchMedia("(max-width: 767.98px)");

// A list's filters fold away on a phone; the summary opens them.
function foldFiltersOnPhones() {
  if (!PHONE.matches) return;
  for (const details of document.querySelectorAll("details[data-fold-on-phone]")) {
    details.removeAttribute("open");
  }
}

// An owner picker lists the people of the agency chosen beside it, asked of the server when the
// agency changes (the server checks again that the owner belongs to the agency).
function linkOwnersToAgency(owner) {
  const agency = document.getElementById(owner.dataset.ownersOf);
  if (!agency) return;
  agency.addEventListener("change", async () => {
    const chosen = owner.value;
    owner.length = 1; // keep the first option: "none" or "all"
    if (!agency.value) return;
    const url = `${owner.dataset.ownersUrl}?agency=${encodeURIComponent(agency.value)}`;
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    if (!response.ok) return;
    for (const person of (await response.json()).owners) {
      const value = String(person.id);
      owner.add(new Option(person.name, value, false, value === chosen));
    }
  });
}

// The bulk panel shows only the fields of the chosen action.
function bulkPanel(panel) {
  const action = panel.querySelector("[data-bulk-action]");
  const showChosen = () => {
    for (const group of panel.querySelectorAll("[data-bulk-for]")) {
      group.hidden = group.dataset.bulkFor !== action.value;
    }
  };
  action.addEventListener("change", showChosen);
  showChosen();
}

// A "select all" box checks every box of its name in its form, and says how many are chosen.
// Hidden without JavaScript (it could do nothing there): its container carries data-select-all-cell.
function selectAll(all) {
  const boxes = [...all.form.querySelectorAll(`input[type=checkbox][name="${all.dataset.selectAll}"]`)];
  const cell = all.closest("[data-select-all-cell]");
  const count = cell.querySelector("[data-selected-count]");
  const update = () => {
    const selected = boxes.filter((box) => box.checked).length;
    all.checked = selected === boxes.length;
    all.indeterminate = selected > 0 && selected < boxes.length;
    if (count) count.textContent = `${selected}件を選択中`;
  };
  all.addEventListener("change", () => {
    for (const box of boxes) box.checked = all.checked;
    update();
  });
  for (const box of boxes) box.addEventListener("change", update);
  cell.hidden = false;
  update();
}

foldFiltersOnPhones();
document.querySelectorAll("select[data-owners-of]").forEach(linkOwnersToAgency);
document.querySelectorAll("[data-bulk-panel]").forEach(bulkPanel);
document.querySelectorAll("input[data-select-all]").forEach(selectAll);

// The account menu closes on a click elsewhere and on Escape, like any menu.
function closeOnOutsideClick(menu) {
  document.addEventListener("click", (event) => {
    if (!menu.contains(event.target)) menu.removeAttribute("open");
  });
  menu.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && menu.open) {
      menu.removeAttribute("open");
      menu.querySelector("summary").focus();
    }
  });
}

document.querySelectorAll("[data-account-menu]").forEach(closeOnOutsideClick);
