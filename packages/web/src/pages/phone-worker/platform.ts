// The platform a phone worker registers with, read from the browser's user agent.

export type PhonePlatform = "android" | "ios" | "mobile-web";

/** `maxTouchPoints`: iPadOS says "Macintosh" like a Mac, and only its touch screen tells them apart. */
export function phonePlatform(userAgent: string, maxTouchPoints = 0): PhonePlatform {
  if (/\bAndroid\b/i.test(userAgent)) return "android";
  if (/\b(iPhone|iPad|iPod)\b/.test(userAgent)) return "ios";
  if (/\bMacintosh\b/.test(userAgent) && maxTouchPoints > 1) return "ios";
  return "mobile-web";
}

export const platformLabels: Record<PhonePlatform, string> = {
  android: "Android",
  ios: "iPhone or iPad",
  "mobile-web": "this browser",
};
