import { describe, expect, it } from "vitest";
import { LocalCapacity, type WorkerConnection } from "../realtime/worker-connections.ts";
import type { TaskRow } from "../tasks/queries.ts";
import { ClaimGate } from "./claim-gate.ts";

function connection(workerId: string, tools: string[]): WorkerConnection {
  const capacity = new LocalCapacity();
  capacity.setTools(tools.map((name) => ({ name })));
  return { worker_id: workerId, user_id: "user", capacity, send() {}, close() {} };
}

const heard = (taskId: string) => ({ task_id: taskId, tools: ["shell"], pinned_worker_id: null });

describe("ClaimGate", () => {
  it("lets a freed slot claim only while a task heard of is not spoken for by the claims in flight", async () => {
    const asked: string[] = [];
    const gate = new ClaimGate((again) => asked.push(again.worker_id));
    gate.oldTasksWaiting = false;
    const worker = connection("w1", ["shell"]);
    expect(gate.mayHaveWork(worker)).toBe(false);

    gate.hints.heard(heard("t1"), 0);
    expect(gate.mayHaveWork(worker)).toBe(true);

    // A claim for shell is in flight: it may take t1, so the freed slot holds back until it lands.
    let land: (row: TaskRow | undefined) => void = () => {};
    const claim = gate.track(
      ["shell"],
      false,
      new Promise((resolve) => {
        land = resolve;
      }),
    );
    expect(gate.mayHaveWork(worker)).toBe(false);
    gate.holdBack(worker);
    land({ task_id: "t1" } as TaskRow);
    await claim;
    // The claim took t1: the hint is gone, and the held-back worker was asked again.
    expect(gate.hints.has("t1")).toBe(false);
    expect(asked).toEqual(["w1"]);
    expect(gate.mayHaveWork(worker)).toBe(false);
  });

  it("waits for untargeted claims to land, not for targeted ones", async () => {
    const gate = new ClaimGate(() => {});
    let landUntargeted: (row: TaskRow | undefined) => void = () => {};
    const untargeted = gate.track(
      ["shell"],
      false,
      new Promise((resolve) => {
        landUntargeted = resolve;
      }),
    );
    void gate.track(["shell"], true, new Promise(() => {}));
    let landed = false;
    const waiting = gate.claimsLanded().then(() => {
      landed = true;
    });
    await Promise.resolve();
    expect(landed).toBe(false);
    landUntargeted(undefined);
    await untargeted;
    await waiting;
    expect(landed).toBe(true);
  });
});
