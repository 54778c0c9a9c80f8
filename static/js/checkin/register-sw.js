// Install the check-in offline worker from the points list, so the scanner pages load offline.
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/checkin/sw.js", { scope: "/checkin/" }).catch(() => {});
}
