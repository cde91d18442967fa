// Debian chromium, headless, with the flags this machine needs (its closed network
// refuses Chromium's background connections).
export const CHROMIUM = "/usr/bin/chromium";
export const chromiumArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
