// Draws the app icons once (committed under public/icons): an amber ring and dot, the dashboard's accent, on
// its dark background. Plain pixels and zlib, no image library: `node scripts/make-icons.mjs` redraws them.
// `maskable` keeps the mark inside the central 80% circle that Android may crop the icon to.
import { mkdirSync, writeFileSync } from "node:fs";
import { crc32, deflateSync } from "node:zlib";

const background = [0x16, 0x18, 0x1d];
const accent = [0xf5, 0x9e, 0x0b];
const out = new URL("../public/icons/", import.meta.url);

const icons = [
  { name: "icon-192.png", size: 192, maskable: false },
  { name: "icon-512.png", size: 512, maskable: false },
  { name: "icon-maskable-512.png", size: 512, maskable: true },
  { name: "apple-touch-icon.png", size: 180, maskable: true },
];

/** Coverage of the mark at a point, in [0, 1], in units of the icon's size (centre 0.5, 0.5). */
function mark(x, y, scale) {
  const distance = Math.hypot(x - 0.5, y - 0.5) / scale;
  const ring = distance > 0.3 && distance < 0.4;
  const dot = distance < 0.14;
  return ring || dot ? 1 : 0;
}

/** Rounded corners for the plain icons (transparent outside); a maskable icon is full bleed. */
function inside(x, y, maskable) {
  if (maskable) return true;
  const r = 0.2;
  const cx = Math.min(Math.max(x, r), 1 - r);
  const cy = Math.min(Math.max(y, r), 1 - r);
  return Math.hypot(x - cx, y - cy) <= r;
}

function draw(size, maskable) {
  const samples = 4;
  const scale = maskable ? 0.75 : 1;
  const rows = [];
  for (let py = 0; py < size; py++) {
    const row = Buffer.alloc(1 + size * 4);
    for (let px = 0; px < size; px++) {
      let cover = 0;
      let shape = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const x = (px + (sx + 0.5) / samples) / size;
          const y = (py + (sy + 0.5) / samples) / size;
          if (!inside(x, y, maskable)) continue;
          shape += 1;
          cover += mark(x, y, scale);
        }
      }
      const n = samples * samples;
      const t = shape === 0 ? 0 : cover / shape;
      const offset = 1 + px * 4;
      for (let c = 0; c < 3; c++) row[offset + c] = Math.round(background[c] * (1 - t) + accent[c] * t);
      row[offset + 3] = Math.round((255 * shape) / n);
    }
    rows.push(row);
  }
  return png(size, Buffer.concat(rows));
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function png(size, scanlines) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(scanlines, { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

mkdirSync(out, { recursive: true });
for (const icon of icons) writeFileSync(new URL(icon.name, out), draw(icon.size, icon.maskable));
console.log(`wrote ${icons.map((icon) => icon.name).join(", ")}`);
