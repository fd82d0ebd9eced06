// The floor display: the board over HTTP, changes over graphql-transport-ws.
// Never silently stale: every reconnect refetches the whole board, and a banner shows when no
// message (data or pong) has arrived for STALE_AFTER_MS. No build step, no dependencies.

const STALE_AFTER_MS = 30_000;
const PING_EVERY_MS = 10_000;
const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000];
// A floor longer than the screen is shown a screenful (three columns) at a time.
const PAGE_EVERY_MS = 10_000;

const BOARD = `query Board($loc: ID!) {
  floorBoard(locationId: $loc) {
    locationName expiringMode
    items { productId name brand category unit price quantity lowStock soldOut expiringSoon }
  }
}`;
const FEEDS = {
  floor: "subscription Floor($loc: ID!) { floorStockChanged(locationId: $loc) { movementId } }",
  low: "subscription Low($loc: ID!) { lowStock(locationId: $loc) { productId } }",
};

const $ = (id) => document.getElementById(id);
const locationId = document.body.dataset.location;
// The key may come as ?key= (as issued) or #key= (never sent to the server, so never in its
// access log); either way it leaves the address bar once read.
const key = new URLSearchParams(location.search).get("key")
  || new URLSearchParams(location.hash.slice(1)).get("key");
history.replaceState(null, "", location.pathname);

let lastMessageAt = Date.now();
let lastUpdatedAt = null;
let attempt = 0;
let refused = false;
let refetchTimer = null;
let page = 0;

function setState(state, text) {
  const dot = $("connection");
  dot.className = `state ${state}`;
  dot.dataset.state = state;
  dot.title = text || state;
}

function refuse(reason) {
  refused = true;
  setState("refused", reason);
  $("board").replaceChildren();
  $("board").hidden = true;
  $("stale").hidden = true;
  $("error-reason").textContent = reason;
  $("error").hidden = false;
}

const money = new Intl.NumberFormat(undefined, { style: "currency", currency: "USD" });
const unitText = { GRAMS: "g", MILLIGRAMS: "mg", EACH: "" };

function quantityText(item) {
  const q = Number(item.quantity);
  return `${Number.isInteger(q) ? q : q.toFixed(1)}${unitText[item.unit] ?? ""}`;
}

function mark(kind, text) {
  const span = document.createElement("span");
  span.className = `mark ${kind}`;
  span.textContent = text;
  return span;
}

function render(board) {
  $("store").textContent = board.locationName;
  const byCategory = new Map();
  for (const item of board.items) {
    if (!byCategory.has(item.category)) byCategory.set(item.category, []);
    byCategory.get(item.category).push(item);
  }
  const sections = [];
  for (const [category, items] of byCategory) {
    const section = document.createElement("section");
    const title = document.createElement("h2");
    title.textContent = category.toLowerCase().replaceAll("_", " ");
    const list = document.createElement("ul");
    for (const item of items) {
      const row = document.createElement("li");
      row.dataset.product = item.productId;
      row.classList.toggle("sold-out", item.soldOut);
      const name = document.createElement("div");
      name.className = "name";
      name.textContent = item.name;
      // Brand and marks share the line under the name: a long floor pages less often.
      const brand = document.createElement("div");
      brand.className = "brand";
      brand.textContent = item.brand || "";
      if (item.soldOut) brand.append(mark("out", "Sold out"));
      else if (item.lowStock) brand.append(mark("low", "Low stock"));
      if (item.expiringSoon && !item.soldOut) brand.append(mark("expiring", "Ask about it"));
      if (brand.childNodes.length) name.append(brand);
      const qty = document.createElement("div");
      qty.className = "qty";
      qty.textContent = item.soldOut ? "" : quantityText(item);
      const price = document.createElement("div");
      price.className = "price";
      price.textContent = money.format(Number(item.price));
      row.append(name, qty, price);
      list.append(row);
    }
    section.append(title, list);
    sections.push(section);
  }
  $("board").replaceChildren(...sections);
  paginate();
  lastUpdatedAt = new Date();
  $("updated").textContent = `updated ${lastUpdatedAt.toLocaleTimeString()}`;
  document.body.dataset.updates = String(Number(document.body.dataset.updates || 0) + 1);
}

// The board's columns past the third overflow to the right (CSS column-fill: auto); a page is
// one board-width of them, so page n starts n × (content width + column gap) along.
function paginate() {
  const board = $("board");
  const style = getComputedStyle(board);
  const padding = parseFloat(style.paddingLeft) || 0;
  const stride = board.clientWidth - padding - (parseFloat(style.paddingRight) || 0)
    + (parseFloat(style.columnGap) || 0);
  const origin = board.getBoundingClientRect().left + padding - board.scrollLeft;
  let pages = 1;
  for (const row of board.querySelectorAll("li")) {
    const column = (row.getBoundingClientRect().left - origin) / stride;
    pages = Math.max(pages, Math.floor(column + 0.01) + 1);
  }
  if (page >= pages) page = 0;
  board.scrollLeft = page * stride;
  board.dataset.page = String(page + 1);
  board.dataset.pages = String(pages);
  $("page").hidden = pages < 2;
  $("page").textContent = `page ${page + 1} of ${pages}`;
}

function turnPage() {
  if (refused) return;
  page += 1;
  paginate();
}

async function fetchBoard() {
  const answer = await fetch("/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ query: BOARD, variables: { loc: locationId } }),
  });
  if (answer.status === 503 || answer.status === 429) throw new Error(`HTTP ${answer.status}`);
  const body = await answer.json();
  if (body.errors && body.errors.length) {
    const code = body.errors[0].extensions?.code;
    if (code === "SERVICE_UNAVAILABLE") throw new Error(body.errors[0].message);
    refuse(`The display key was refused: ${body.errors[0].message}`);
    return;
  }
  render(body.data.floorBoard);
}

function refetchSoon() {
  // A burst of movements (a restock of many packages) costs one refetch.
  clearTimeout(refetchTimer);
  refetchTimer = setTimeout(() => fetchBoard().catch(() => {}), 150);
}

function connect() {
  if (refused) return;
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/graphql`, "graphql-transport-ws");
  let pinger = null;
  setState(attempt ? "reconnecting" : "connecting");
  socket.onopen = () => {
    socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${key}` } }));
  };
  socket.onmessage = async (event) => {
    lastMessageAt = Date.now();
    const message = JSON.parse(event.data);
    if (message.type === "connection_ack") {
      for (const [id, query] of Object.entries(FEEDS)) {
        socket.send(JSON.stringify({ id, type: "subscribe", payload: { query, variables: { loc: locationId } } }));
      }
      pinger = setInterval(() => socket.send(JSON.stringify({ type: "ping" })), PING_EVERY_MS);
      try {
        await fetchBoard(); // whatever changed while we were away
        attempt = 0;
        if (!refused) setState("live");
      } catch {
        socket.close();
      }
    } else if (message.type === "ping") {
      socket.send(JSON.stringify({ type: "pong" }));
    } else if (message.type === "next") {
      refetchSoon();
    } else if (message.type === "error") {
      refuse(`The display key may not read this store: ${message.payload?.[0]?.message ?? "refused"}`);
      socket.close();
    }
  };
  socket.onclose = (event) => {
    clearInterval(pinger);
    if (event.code === 4403 || event.code === 4401) {
      refuse("The display key was refused (wrong, expired or revoked).");
      return;
    }
    if (refused) return;
    setState("reconnecting");
    const delay = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)];
    attempt += 1;
    setTimeout(connect, delay * (0.75 + Math.random() / 2));
  };
}

function tick() {
  $("clock").textContent = new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  const stale = !refused && Date.now() - lastMessageAt > STALE_AFTER_MS;
  $("stale").hidden = !stale;
  if (stale) $("stale-since").textContent = lastUpdatedAt ? lastUpdatedAt.toLocaleTimeString() : "never";
}

if (!key) {
  refuse("This address has no display key: open /display/<location>?key=<display key>.");
} else {
  fetchBoard().catch(() => {}).finally(connect);
}
tick();
setInterval(tick, 1000);
setInterval(turnPage, PAGE_EVERY_MS);
window.addEventListener("resize", paginate);
