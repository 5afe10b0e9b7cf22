import { describe, expect, it } from "vitest";
import { KeyedSerial } from "./keyed-serial.ts";

function deferred() {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

describe("KeyedSerial", () => {
  it("runs one job at a time per key, in order, and keys side by side", async () => {
    const serial = new KeyedSerial();
    const order: string[] = [];
    const first = deferred();
    const a1 = serial.run("a", async () => {
      order.push("a1 start");
      await first.promise;
      order.push("a1 end");
    });
    const a2 = serial.run("a", async () => {
      order.push("a2");
    });
    const b1 = serial.run("b", async () => {
      order.push("b1");
    });
    await b1;
    expect(order).toEqual(["a1 start", "b1"]);
    first.resolve();
    await Promise.all([a1, a2]);
    expect(order).toEqual(["a1 start", "b1", "a1 end", "a2"]);
  });

  it("runs the next job of a key after one that failed, and passes the failure to its caller", async () => {
    const serial = new KeyedSerial();
    const failed = serial.run("a", async () => {
      throw new Error("boom");
    });
    const next = serial.run("a", async () => "ran");
    await expect(failed).rejects.toThrow("boom");
    await expect(next).resolves.toBe("ran");
    await serial.settled();
  });
});
