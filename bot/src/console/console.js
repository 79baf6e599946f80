// Firebreak console: sends what is typed and clicked, and redraws the view when the
// workspace changes. Plain JavaScript; the server renders all HTML.
(() => {
  const state = { channel: null, as: null, version: null };
  const headers = { "x-firebreak-console": "1" };
  const notice = document.getElementById("notice");
  const dialog = document.getElementById("confirm");

  function adopt() {
    const view = document.getElementById("view");
    state.channel = view.dataset.channel;
    state.as = view.dataset.as;
    state.version = view.dataset.version;
  }

  async function refresh(force) {
    const query = new URLSearchParams({ channel: state.channel, as: state.as });
    if (!force) query.set("since", state.version);
    const response = await fetch("/console/view?" + query, { headers });
    if (response.status === 204 || !response.ok) return;
    const html = await response.text();
    const open = [...document.querySelectorAll("details[open]")].map((d) => d.dataset.key);
    const old = document.getElementById("messages");
    const atBottom = !old || old.scrollHeight - old.scrollTop - old.clientHeight < 60;
    const top = old ? old.scrollTop : 0;
    document.getElementById("view").outerHTML = html;
    for (const key of open) {
      const details = document.querySelector(`details[data-key="${CSS.escape(key)}"]`);
      if (details) details.open = true;
    }
    const messages = document.getElementById("messages");
    if (messages) messages.scrollTop = atBottom || force ? messages.scrollHeight : top;
    adopt();
  }

  async function send(path, fields) {
    notice.textContent = "";
    const body = new URLSearchParams({ channel: state.channel, as: state.as, ...fields });
    const response = await fetch(path, { method: "POST", headers, body });
    if (!response.ok) notice.textContent = await response.text();
    await refresh(true);
  }

  function ask(template) {
    return new Promise((resolve) => {
      dialog.querySelector("h2").textContent = template.dataset.title;
      dialog.querySelector(".confirm-text").replaceChildren(template.content.cloneNode(true));
      const ok = dialog.querySelector(".ok");
      const deny = dialog.querySelector(".deny");
      ok.textContent = template.dataset.confirm;
      ok.classList.toggle("danger", template.dataset.style === "danger");
      deny.textContent = template.dataset.deny;
      const done = (answer) => () => { dialog.close(); resolve(answer); };
      ok.onclick = done(true);
      deny.onclick = done(false);
      dialog.oncancel = done(false);
      dialog.showModal();
    });
  }

  document.addEventListener("click", async (event) => {
    const link = event.target.closest("a[data-channel]");
    if (link) {
      event.preventDefault();
      state.channel = link.dataset.channel;
      history.pushState(null, "", "/console?channel=" + encodeURIComponent(state.channel));
      await refresh(true);
      return;
    }
    const button = event.target.closest("button[data-action-id]");
    if (!button) return;
    const confirm = button.nextElementSibling;
    if (confirm && confirm.matches("template.bk-confirm") && !(await ask(confirm))) return;
    const message = button.closest("[data-ts]");
    await send("/console/click", { ts: message.dataset.ts, action_id: button.dataset.actionId, value: button.dataset.value });
  });

  document.getElementById("composer").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = document.getElementById("text");
    const text = input.value;
    if (!text.trim()) return;
    input.value = "";
    await send("/console/command", { text });
  });

  document.getElementById("persona").addEventListener("change", async (event) => {
    state.as = event.target.value;
    await refresh(true);
  });

  window.addEventListener("popstate", async () => {
    state.channel = new URLSearchParams(location.search).get("channel") || "C0GENERAL";
    await refresh(true);
  });

  adopt();
  const first = document.getElementById("messages");
  if (first) first.scrollTop = first.scrollHeight;
  setInterval(() => refresh(false).catch(() => {}), 1000);
})();
