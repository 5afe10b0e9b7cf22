import { describe, expect, it } from "vitest";
import { isLoopbackHost, serverAddresses } from "./addresses.ts";

const interfaces = {
  lo: [{ address: "127.0.0.1", family: "IPv4", internal: true }],
  eth0: [
    { address: "192.168.1.20", family: "IPv4", internal: false },
    { address: "fe80::1", family: "IPv6", internal: false },
    { address: "2001:db8::5", family: "IPv6", internal: false },
  ],
  wlan0: [{ address: "10.0.0.7", family: "IPv4", internal: false }],
} as never;

describe("server addresses", () => {
  it("on the wildcard, a loopback origin gets every LAN address with the port, IPv4 first", () => {
    expect(serverAddresses("http://127.0.0.1:8000", "0.0.0.0", 8000, interfaces)).toEqual({
      origin: "http://127.0.0.1:8000",
      loopback: true,
      lan_origins: ["http://192.168.1.20:8000", "http://10.0.0.7:8000", "http://[2001:db8::5]:8000"],
      loopback_only: false,
    });
  });

  it("listening on one address offers only it; on loopback, none", () => {
    expect(serverAddresses("http://localhost:9000", "10.0.0.7", 9000, interfaces).lan_origins).toEqual([
      "http://10.0.0.7:9000",
    ]);
    const local = serverAddresses("http://localhost:9000", "127.0.0.1", 9000, interfaces);
    expect(local).toMatchObject({ loopback: true, loopback_only: true, lan_origins: [] });
  });

  it("knows loopback names", () => {
    for (const host of ["localhost", "127.0.0.1", "127.1.2.3", "[::1]"]) expect(isLoopbackHost(host)).toBe(true);
    for (const host of ["192.168.1.20", "box.local", "[2001:db8::5]"]) expect(isLoopbackHost(host)).toBe(false);
  });
});
