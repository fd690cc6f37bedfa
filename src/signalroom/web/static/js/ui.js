// Small DOM pieces every console page shares: building elements (text only, never HTML),
// toasts, and the name a person signs their changes with (asked once, kept in this browser).

export const $ = (id) => document.getElementById(id);

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function toast(message, kind = "info") {
  const node = el("div", `toast ${kind === "error" ? "error" : ""}`, message);
  $("toasts").append(node);
  setTimeout(() => node.remove(), kind === "error" ? 6000 : 3000);
}

const SIGNER_KEY = "signalroom.corrector";
export const MAX_SIGNER_CHARS = 80;

export function readSigner() {
  try {
    return (localStorage.getItem(SIGNER_KEY) || "").trim().slice(0, MAX_SIGNER_CHARS);
  } catch {
    return ""; // storage disabled: ask each time the page loads
  }
}

export function writeSigner(name) {
  try {
    if (name) localStorage.setItem(SIGNER_KEY, name);
    else localStorage.removeItem(SIGNER_KEY);
  } catch {
    // kept for this page only
  }
}

const CONNECTION_TEXT = { connecting: "Connecting", live: "Live", reconnecting: "Reconnecting", offline: "Offline" };

/** The header's connection pill (#conn, #conn-text) says ``name``. */
export function showConnection(name) {
  $("conn").dataset.state = name;
  $("conn-text").textContent = CONNECTION_TEXT[name] || name;
}
