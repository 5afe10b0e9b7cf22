// The server image's health check: exit 0 when /health/ready answers 200 (the server is up and its store
// answers), 1 otherwise. Plain Node, because the slim image has no curl or wget.
const port = process.env.PORT || "8000";
try {
  const response = await fetch(`http://127.0.0.1:${port}/health/ready`, { signal: AbortSignal.timeout(4_000) });
  process.exit(response.status === 200 ? 0 : 1);
} catch {
  process.exit(1);
}
