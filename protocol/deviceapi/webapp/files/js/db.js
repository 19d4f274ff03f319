// The app's storage: IndexedDB, shared by the page and the service worker.
// "tokens" holds one record per activated token (keyed by device id) with
// its non-extractable keys (CryptoKey objects survive structured cloning);
// "pushes" holds the verified pushes the service worker received, keyed by
// nonce, until they are answered or expire.

const NAME = "pushauth";
const VERSION = 1;

let opening = null;

function open() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const req = indexedDB.open(NAME, VERSION);
      req.onupgradeneeded = () => {
        const db = req.result;
        if (!db.objectStoreNames.contains("tokens")) db.createObjectStore("tokens", { keyPath: "deviceId" });
        if (!db.objectStoreNames.contains("pushes")) db.createObjectStore("pushes", { keyPath: "nonce" });
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => { opening = null; reject(req.error); };
    });
  }
  return opening;
}

async function run(store, mode, fn) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(store, mode);
    const req = fn(tx.objectStore(store));
    tx.oncomplete = () => resolve(req ? req.result : undefined);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error("storage transaction aborted"));
  });
}

export const tokens = {
  all: () => run("tokens", "readonly", (s) => s.getAll()),
  get: (id) => run("tokens", "readonly", (s) => s.get(id)),
  put: (t) => run("tokens", "readwrite", (s) => s.put(t)),
  remove: (id) => run("tokens", "readwrite", (s) => s.delete(id)),
};

export const pushes = {
  all: () => run("pushes", "readonly", (s) => s.getAll()),
  get: (nonce) => run("pushes", "readonly", (s) => s.get(nonce)),
  put: (p) => run("pushes", "readwrite", (s) => s.put(p)),
  remove: (nonce) => run("pushes", "readwrite", (s) => s.delete(nonce)),
};

// update changes one token record in place (fn edits it); a token removed
// meanwhile stays removed.
export async function updateToken(id, fn) {
  const t = await tokens.get(id);
  if (!t) return null;
  fn(t);
  await tokens.put(t);
  return t;
}
