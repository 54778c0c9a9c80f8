// A small promise wrapper around IndexedDB: the point bundles, the offline queue, this device's
// own scans (to know who it let in) and the scans the server refused to take.
const NAME = "maruf-checkin";
const VERSION = 1;

function promised(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

export async function openStore() {
  const opening = indexedDB.open(NAME, VERSION);
  opening.onupgradeneeded = () => {
    const db = opening.result;
    if (!db.objectStoreNames.contains("bundles")) db.createObjectStore("bundles", { keyPath: "point" });
    if (!db.objectStoreNames.contains("queue")) db.createObjectStore("queue", { keyPath: "uuid" });
    if (!db.objectStoreNames.contains("events")) db.createObjectStore("events", { keyPath: "uuid" });
    if (!db.objectStoreNames.contains("rejected")) db.createObjectStore("rejected", { keyPath: "uuid" });
  };
  const db = await promised(opening);
  const run = (storeName, mode, action) => {
    const transaction = db.transaction(storeName, mode);
    return promised(action(transaction.objectStore(storeName)));
  };
  return {
    get: (s, key) => run(s, "readonly", (o) => o.get(key)),
    all: (s) => run(s, "readonly", (o) => o.getAll()),
    count: (s) => run(s, "readonly", (o) => o.count()),
    put: (s, value) => run(s, "readwrite", (o) => o.put(value)),
    delete: (s, key) => run(s, "readwrite", (o) => o.delete(key)),
    close: () => db.close(),
  };
}

// Delete every store of this device (the bundles with names, the queue, the scans seen).
export function deleteStore() {
  return new Promise((resolve, reject) => {
    const deleting = indexedDB.deleteDatabase(NAME);
    deleting.onsuccess = () => resolve();
    deleting.onerror = () => reject(deleting.error);
    deleting.onblocked = () => resolve(); // deleted once the last other tab closes it
  });
}
