// What the app knows about where it runs.

export function isIOS() {
  const ua = navigator.userAgent;
  return /iPhone|iPad|iPod/.test(ua) || (/Macintosh/.test(ua) && navigator.maxTouchPoints > 1);
}

// isInstalled tells whether the app runs from the Home Screen / as an
// installed app rather than in a browser tab.
export function isInstalled() {
  return matchMedia("(display-mode: standalone)").matches || navigator.standalone === true;
}

// browserName names the browser and its major version ("Chrome 156",
// "Safari 17 on iOS"): the os_version a web device registers.
export function browserName() {
  const ua = navigator.userAgent;
  const m = ua.match(/(Edg|Firefox|FxiOS|CriOS|Chrome|Version)\/(\d+)/);
  const names = { Edg: "Edge", FxiOS: "Firefox", CriOS: "Chrome", Version: "Safari" };
  const name = m ? `${names[m[1]] || m[1]} ${m[2]}` : "Browser";
  const os = isIOS() ? "iOS" : /Android/.test(ua) ? "Android" : /Windows/.test(ua) ? "Windows" : /Mac OS/.test(ua) ? "macOS" : /Linux/.test(ua) ? "Linux" : "";
  return os ? `${name} on ${os}` : name;
}

export function pushSupported() {
  return "serviceWorker" in navigator && "PushManager" in self && "Notification" in self;
}
