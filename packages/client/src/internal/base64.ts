// Base64 with Web APIs only (atob/btoa work on binary strings, not bytes).

/** Decodes base64 (a descriptor's `data`) to bytes. */
export function base64Bytes(data: string): Uint8Array<ArrayBuffer> {
  const binary = atob(data);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** Encodes a string as UTF-8, then base64 (Basic credentials). */
export function base64Utf8(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}
