// Getting started, until the first task completes: a tool, a worker that offers it online, a first task.
// Each step is ticked from the real state (the workers' detected tools, their status, the tasks), so the
// list moves on by itself as the person sets things up, and is gone once a task has completed.
import type { Worker } from "@garageswarm/protocol";
import type { ReactNode } from "react";
import { Link } from "wouter";
import { useTasks } from "../../api/tasks.ts";
import { useWorkers } from "../../api/workers.ts";

const offersTool = (worker: Worker) => worker.tools.some((tool) => tool.healthy !== false);

export function GettingStarted() {
  const workers = useWorkers();
  const completed = useTasks({ status: "completed", limit: 1 });
  const anyTask = useTasks({ limit: 1 });
  if (!workers.data || !completed.data || !anyTask.data || completed.data.items.length > 0) return null;
  const withTool = workers.data.some(offersTool);
  const online = workers.data.some((worker) => worker.status !== "offline" && offersTool(worker));
  const created = anyTask.data.items.length > 0;
  return (
    <section className="card checklist" aria-labelledby="getting-started">
      <h2 id="getting-started">Getting started</h2>
      <ol className="checklist-steps">
        <Step done={withTool} title="An AI tool on a worker's machine">
          None of your workers has found one yet. Install Claude Code, Codex or Gemini CLI on the machine, run Ollama
          there, or set <code>ANTHROPIC_API_KEY</code> (or <code>GEMINI_API_KEY</code>, <code>OPENAI_API_KEY</code>)
          before the worker starts. A worker started with <code>--enable-shell</code> also offers the shell tool.
        </Step>
        <Step done={online} title="A worker online that offers it">
          <Link href="/workers?add=1">Add a worker</Link> on a machine with a tool, or restart the one that has it.
        </Step>
        <Step done={false} title="A first task, completed">
          {created ? (
            <>
              Your tasks are waiting: <Link href="/tasks">see why on the task list</Link>.
            </>
          ) : (
            <>
              <Link href="/tasks">Create a task</Link> for one of your worker's tools and watch it run.
            </>
          )}
        </Step>
      </ol>
    </section>
  );
}

function Step({ done, title, children }: { done: boolean; title: string; children: ReactNode }) {
  return (
    <li className={done ? "done" : undefined}>
      <span className="checklist-mark" aria-hidden="true">
        {done ? "✓" : "○"}
      </span>
      <div>
        <strong>{title}</strong>
        <span className="visually-hidden">{done ? " (done)" : " (to do)"}</span>
        {done ? null : <p className="muted">{children}</p>}
      </div>
    </li>
  );
}
