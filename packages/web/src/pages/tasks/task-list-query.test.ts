import { describe, expect, it } from "vitest";
import { PAGE_SIZE, readTaskListView, taskListHref, toTaskFilters, writeTaskListView } from "./task-list-query.ts";

describe("task list URL", () => {
  it("reads what the URL says and drops what it cannot mean", () => {
    const view = readTaskListView(
      new URLSearchParams("status=failed&tool=hammer&sort=duration&order=up&page=-3&q=readme"),
    );
    expect(view).toEqual({
      q: "readme",
      status: "failed",
      tool: "",
      worker_id: "",
      sort: "duration",
      order: "desc",
      page: 1,
    });
  });

  it("writes only what differs from the plain list, and round-trips", () => {
    const view = readTaskListView(new URLSearchParams("tool=ollama&page=3&order=asc"));
    const written = writeTaskListView(view);
    expect(written).toEqual({ tool: "ollama", page: "3", order: "asc" });
    expect(readTaskListView(new URLSearchParams(written))).toEqual(view);
    expect(writeTaskListView(readTaskListView(new URLSearchParams()))).toEqual({});
  });

  it("turns the page into an offset for the API", () => {
    const filters = toTaskFilters(readTaskListView(new URLSearchParams("page=3&q=%20")));
    expect(filters).toMatchObject({ offset: 2 * PAGE_SIZE, limit: PAGE_SIZE, q: undefined });
  });

  it("links a status to the filtered list", () => {
    expect(taskListHref("failed")).toBe("/tasks?status=failed");
  });
});
