// A fake of a browser's push service (RFC 8030) on 127.0.0.1, and the devices that subscribe to it. It checks
// what a real one checks — a VAPID JWT (RFC 8292) for this origin, signed by the key in `k` — and, holding each
// device's private key, decrypts the aes128gcm body (RFC 8188/8291) the way the browser would. The decryption
// is written here from the RFCs, not taken from the library that encrypted it, so a mistake there shows.
import { createDecipheriv, createECDH, type ECDH, hkdfSync, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { decodeJwt, importJWK, jwtVerify } from "jose";

/** A browser's subscription: what `PushSubscription.toJSON()` gives, plus the private half a test keeps. */
export interface FakeDevice {
  readonly endpoint: string;
  readonly keys: { p256dh: string; auth: string };
  readonly ecdh: ECDH;
  readonly authSecret: Buffer;
}

export interface ReceivedPush {
  device: FakeDevice;
  /** The decrypted body, parsed as JSON. */
  payload: unknown;
  headers: IncomingMessage["headers"];
  /** The VAPID JWT's claims, after its signature was checked. */
  vapid: { aud: string; sub: string; exp: number; publicKey: string };
}

export interface FakePushService {
  readonly origin: string;
  readonly received: ReceivedPush[];
  /** Requests the fake refused (bad JWT, undecryptable body), with why: a test expects none. */
  readonly refused: string[];
  /** A new device subscribed here. */
  subscribe(): FakeDevice;
  /** The device unsubscribed: the service answers 410 Gone for it from now on. */
  unsubscribe(device: FakeDevice): void;
  close(): Promise<void>;
}

export async function startFakePushService(): Promise<FakePushService> {
  const devices = new Map<string, FakeDevice>();
  const gone = new Set<string>();
  const received: ReceivedPush[] = [];
  const refused: string[] = [];
  let origin = "";

  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const path = request.url ?? "";
    if (gone.has(path)) return response.writeHead(410).end();
    const device = devices.get(path);
    if (request.method !== "POST" || !device) return response.writeHead(404).end();
    try {
      const vapid = await verifyVapid(request.headers, origin);
      if (request.headers["content-encoding"] !== "aes128gcm") throw new Error("content-encoding is not aes128gcm");
      if (!request.headers.ttl) throw new Error("no TTL header");
      const payload = JSON.parse(decrypt(device, Buffer.concat(chunks)).toString("utf8"));
      received.push({ device, payload, headers: request.headers, vapid });
      response.writeHead(201, { location: `${path}/message/${received.length}` }).end();
    } catch (error) {
      refused.push(String(error));
      response.writeHead(400).end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    origin,
    received,
    refused,
    subscribe() {
      const ecdh = createECDH("prime256v1");
      ecdh.generateKeys();
      const authSecret = randomBytes(16);
      const path = `/push/${randomBytes(12).toString("base64url")}`;
      const device: FakeDevice = {
        endpoint: `${origin}${path}`,
        keys: { p256dh: ecdh.getPublicKey().toString("base64url"), auth: authSecret.toString("base64url") },
        ecdh,
        authSecret,
      };
      devices.set(path, device);
      return device;
    },
    unsubscribe(device) {
      const path = new URL(device.endpoint).pathname;
      devices.delete(path);
      gone.add(path);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** `Authorization: vapid t=<JWT>, k=<public key>`: ES256 by that key, `aud` this origin, not expired. */
async function verifyVapid(headers: IncomingMessage["headers"], origin: string): Promise<ReceivedPush["vapid"]> {
  const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(headers.authorization ?? "");
  if (!match?.[1] || !match[2]) throw new Error(`no vapid authorization: ${headers.authorization}`);
  const [, token, publicKey] = match;
  const point = Buffer.from(publicKey, "base64url");
  if (point.length !== 65 || point[0] !== 4) throw new Error("k is not an uncompressed P-256 key");
  const key = await importJWK(
    {
      kty: "EC",
      crv: "P-256",
      x: point.subarray(1, 33).toString("base64url"),
      y: point.subarray(33).toString("base64url"),
    },
    "ES256",
  );
  await jwtVerify(token, key, { audience: origin, algorithms: ["ES256"] });
  const claims = decodeJwt(token);
  if (typeof claims.sub !== "string" || typeof claims.exp !== "number") throw new Error("vapid JWT lacks sub or exp");
  // RFC 8292: at most 24 hours ahead.
  if (claims.exp > Date.now() / 1000 + 24 * 3600) throw new Error("vapid JWT expires more than 24 h ahead");
  return { aud: origin, sub: claims.sub, exp: claims.exp, publicKey };
}

/** RFC 8291 key derivation, then one RFC 8188 aes128gcm record (a push message is a single record). */
function decrypt(device: FakeDevice, body: Buffer): Buffer {
  const salt = body.subarray(0, 16);
  const idLength = body.readUInt8(20);
  const senderKey = body.subarray(21, 21 + idLength);
  const record = body.subarray(21 + idLength);
  const secret = device.ecdh.computeSecret(senderKey);
  const keyInfo = Buffer.concat([Buffer.from("WebPush: info\0"), device.ecdh.getPublicKey(), senderKey]);
  const ikm = Buffer.from(hkdfSync("sha256", secret, device.authSecret, keyInfo, 32));
  const cek = Buffer.from(hkdfSync("sha256", ikm, salt, Buffer.from("Content-Encoding: aes128gcm\0"), 16));
  const nonce = Buffer.from(hkdfSync("sha256", ikm, salt, Buffer.from("Content-Encoding: nonce\0"), 12));
  const decipher = createDecipheriv("aes-128-gcm", cek, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
  // The last record ends with the delimiter 0x02, then zero padding.
  const end = padded.lastIndexOf(2);
  if (end < 0 || padded.subarray(end + 1).some((byte) => byte !== 0)) throw new Error("bad record padding");
  return padded.subarray(0, end);
}
