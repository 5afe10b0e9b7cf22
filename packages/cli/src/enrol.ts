// `garageswarm worker enrol`: exchanges a pairing code at the server for a `worker` key and keeps it,
// with the server's URL (and the name and labels the code carried), in the state dir's config.json, which
// `garageswarm worker` reads. Other settings already in config.json are kept.
import { join } from "node:path";
import { EnrolmentCodeText, EnrolResult } from "@garageswarm/protocol";
import { readConfigFile, updateConfigFile } from "@garageswarm/worker";
import { CliError, normalizeServer, problemMessage, send } from "./client.ts";

export interface EnrolInput {
  server: string;
  code: string;
  stateDir: string;
  name?: string;
  platform?: string;
}

export interface Enrolled {
  file: string;
  key_id: string;
  name: string | null;
}

export async function enrolMachine(input: EnrolInput): Promise<Enrolled> {
  const server = normalizeServer(input.server);
  const code = EnrolmentCodeText.safeParse(input.code);
  if (!code.success) throw new CliError(`--code must be a pairing code like K7QX-2ZPM, got "${input.code}"`);
  // Read before the exchange: a broken config.json should stop us before the code is spent.
  await readConfigFile(input.stateDir);

  const body = {
    code: code.data,
    platform: input.platform ?? process.platform,
    ...(input.name ? { name: input.name } : {}),
  };
  const answer = await send(server, "POST", "/api/v1/enrol", { body });
  if (answer.status !== 201) throw new CliError(`enrolment refused: ${problemMessage(answer.status, answer.body)}`);
  const result = EnrolResult.safeParse(answer.body);
  if (!result.success) throw new CliError(`the server at ${server} answered the enrolment with something unexpected`);

  const { key, name, labels } = result.data;
  // Merged into config.json, validated whole, written 0600 by rename: never readable by others, nor half-written.
  await updateConfigFile(input.stateDir, {
    server,
    key,
    ...(name ? { name } : {}),
    ...(labels.length > 0 ? { labels } : {}),
  });
  const file = join(input.stateDir, "config.json");
  return { file, key_id: result.data.key_id, name };
}
