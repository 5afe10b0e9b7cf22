// Runs inside a network namespace of its own (started with `unshare --net`), where the real agent CLIs
// under test run too (they enter it with nsenter). It is the namespace's only way out: each vendor fake
// listens on a Unix socket in the test process (sockets on the filesystem cross network namespaces), and
// this bridge listens on 127.0.0.1:<port> inside the namespace and pipes every connection to its socket.
//
// Every other address is made local to the namespace (`ip route add local 0.0.0.0/0 dev lo`), so a CLI that
// tries to reach the internet reaches this process instead, and is recorded: TCP to ports 80 and 443 on any
// address, and DNS queries to any resolver (UDP 53), which are answered REFUSED at once so nothing waits on a
// timeout. The kernel's own counters (/proc/net/snmp: TCP connections opened) catch every other port.
//
// Protocol with the parent, one JSON line each way: stdout `{"ready":true}` once listening; on a `report` line
// on stdin it prints `{"report": …}`; it exits when stdin closes.
import { execFileSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { readFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { createInterface } from "node:readline";

const routes = JSON.parse(process.argv[2] ?? "[]"); // [{port, socket}]

execFileSync("ip", ["link", "set", "lo", "up"]);
execFileSync("ip", ["route", "add", "local", "0.0.0.0/0", "dev", "lo"]);
execFileSync("ip", ["-6", "route", "add", "local", "::/0", "dev", "lo"]);

let accepted = 0;
const escapes = [];

function listen(server, port, host) {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
}

for (const { port, socket } of routes) {
  const server = createServer((inbound) => {
    accepted += 1;
    const outbound = connect(socket);
    inbound.pipe(outbound).pipe(inbound);
    const close = () => {
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on("error", close);
    outbound.on("error", close);
  });
  await listen(server, port, "127.0.0.1");
}

// Anything else on the web ports, at any address: recorded and closed.
for (const port of [80, 443]) {
  const trap = createServer((socket) => {
    escapes.push({ kind: "tcp", address: socket.localAddress, port: socket.localPort });
    socket.destroy();
  });
  await listen(trap, port, "::");
}

// DNS: record the name asked for, answer REFUSED.
const dns = createSocket({ type: "udp6", ipv6Only: false });
dns.on("message", (query, peer) => {
  escapes.push({ kind: "dns", name: dnsName(query) });
  if (query.length < 12) return;
  const answer = Buffer.from(query);
  answer[2] = 0x80 | (query[2] & 0x01); // QR = response, keep RD
  answer[3] = 0x05; // RCODE = REFUSED
  dns.send(answer, peer.port, peer.address);
});
await new Promise((resolve) => dns.bind(53, "::", resolve));

function dnsName(query) {
  const labels = [];
  let offset = 12;
  while (offset < query.length && query[offset] !== 0 && labels.length < 64) {
    const length = query[offset];
    labels.push(query.subarray(offset + 1, offset + 1 + length).toString("latin1"));
    offset += length + 1;
  }
  return labels.join(".");
}

/** TCP connections this namespace opened (both IPv4 and IPv6 count here). */
function tcpActiveOpens() {
  const lines = readFileSync("/proc/net/snmp", "utf8").split("\n");
  const [header, values] = lines.filter((line) => line.startsWith("Tcp:"));
  const names = header.split(/\s+/);
  return Number(values.split(/\s+/)[names.indexOf("ActiveOpens")]);
}

process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
const input = createInterface({ input: process.stdin });
input.on("line", (line) => {
  if (line.trim() !== "report") return;
  // Connections the CLIs opened that did not go to a vendor fake: to another port or address.
  const unexplained = tcpActiveOpens() - accepted;
  process.stdout.write(`${JSON.stringify({ report: { accepted, unexplained, escapes } })}\n`);
});
input.on("close", () => process.exit(0));
