// The live WebSocket (/api/live), kept open for as long as the page lives: reconnects by
// itself with jittered exponential backoff, tells the page its state, and hands over every
// event. The page refetches its snapshot on "hello" (each (re)connect) and on "gap".

const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000];
const QUIET_CHECK_MS = 30000;
const QUIET_LIMIT_MS = 75000;

/**
 * @param {{onEvent: (event: object) => void, onState: (state: string, detail: object) => void}} handlers
 * States: "connecting" (first attempt), "live", "reconnecting" (lost; retrying), "offline"
 * (lost for more than a minute; still retrying).
 */
export function connectLive({ onEvent, onState }) {
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/live`;
  let socket = null;
  let attempt = 0;
  let lostSince = null;
  let lastMessageAt = Date.now();
  let retryTimer = null;
  let everConnected = false;

  function setState(state) {
    onState(state, { attempt, lostSince });
  }

  function open() {
    retryTimer = null;
    setState(everConnected ? (isLongLost() ? "offline" : "reconnecting") : "connecting");
    try {
      socket = new WebSocket(url);
    } catch {
      scheduleRetry();
      return;
    }
    socket.addEventListener("message", (message) => {
      lastMessageAt = Date.now();
      let event;
      try {
        event = JSON.parse(message.data);
      } catch {
        return;
      }
      if (event.type === "hello") {
        attempt = 0;
        lostSince = null;
        everConnected = true;
        setState("live");
      }
      try {
        onEvent(event);
      } catch (err) {
        console.error("live event handler failed", err);
      }
    });
    socket.addEventListener("close", () => {
      socket = null;
      if (lostSince === null) lostSince = Date.now();
      scheduleRetry();
    });
  }

  function isLongLost() {
    return lostSince !== null && Date.now() - lostSince > 60000;
  }

  function scheduleRetry() {
    if (retryTimer !== null) return;
    const base = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)];
    attempt += 1;
    const delay = base * (0.7 + Math.random() * 0.6);
    setState(everConnected ? (isLongLost() ? "offline" : "reconnecting") : "connecting");
    retryTimer = setTimeout(open, delay);
  }

  // A connection that silently died (a sleeping proxy, a dropped Wi-Fi) sends no close:
  // when nothing arrived for a while, ask the server directly and reconnect if it is away.
  setInterval(async () => {
    if (!socket || Date.now() - lastMessageAt < QUIET_LIMIT_MS) return;
    try {
      const response = await fetch("/api/health", { cache: "no-store" });
      if (response.ok) {
        lastMessageAt = Date.now();
        return;
      }
    } catch {
      // fall through: the server is unreachable
    }
    if (socket) socket.close();
  }, QUIET_CHECK_MS);

  open();
}
