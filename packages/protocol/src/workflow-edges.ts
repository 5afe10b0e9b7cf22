// The edges a workflow's definition means, whatever its type: the server compiles runs from them, and
// the dashboard draws them (a sequential workflow may save no edges at all).
import type { EdgeDefinition, NodeDefinition, WorkflowDefinition, WorkflowType } from "./workflows.ts";

/**
 * The edges a definition means: as drawn for `graph`; implied by the node list for the other types
 * (their drawn edges, when present, may only repeat these).
 */
export function effectiveEdges(type: WorkflowType, definition: WorkflowDefinition): EdgeDefinition[] {
  const { nodes } = definition;
  const link = (from: NodeDefinition, to: NodeDefinition): EdgeDefinition => ({
    from: from.id,
    to: to.id,
    on: "success",
    loop: false,
  });
  const aggregator = nodes.find((node) => node.type === "aggregator");
  switch (type) {
    case "graph":
      return definition.edges;
    case "sequential":
      return nodes.slice(1).map((node, index) => link(nodes[index]!, node));
    case "concurrent":
    case "mixture":
      return aggregator ? nodes.filter((node) => node.type === "task").map((task) => link(task, aggregator)) : [];
    case "hierarchical": {
      const director = nodes.find((node) => node.type === "director");
      return director && aggregator ? [link(director, aggregator)] : [];
    }
  }
}
