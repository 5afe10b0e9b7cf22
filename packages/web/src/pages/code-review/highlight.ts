// Syntax highlighting for the diff: Prism's grammars through refractor, only the languages a repository is
// likely to hold (the full set would triple the diff view's chunk).
import type { HunkData, HunkTokens } from "react-diff-view";
import { markEdits, tokenize } from "react-diff-view";
import bash from "refractor/bash";
import c from "refractor/c";
import { refractor } from "refractor/core";
import cpp from "refractor/cpp";
import css from "refractor/css";
import docker from "refractor/docker";
import go from "refractor/go";
import java from "refractor/java";
import json from "refractor/json";
import markdown from "refractor/markdown";
import markup from "refractor/markup";
import python from "refractor/python";
import ruby from "refractor/ruby";
import rust from "refractor/rust";
import sql from "refractor/sql";
import toml from "refractor/toml";
import tsx from "refractor/tsx";
import yaml from "refractor/yaml";

for (const grammar of [
  bash,
  c,
  cpp,
  css,
  docker,
  go,
  java,
  json,
  markdown,
  markup,
  python,
  ruby,
  rust,
  sql,
  toml,
  tsx,
  yaml,
])
  refractor.register(grammar);

// react-diff-view was written against refractor 3, whose highlight() returned the nodes; refractor 4 and
// later return a root holding them.
const refractorThree = {
  highlight: ((value: string, language: string) =>
    refractor.highlight(value, language).children) as unknown as typeof refractor.highlight,
};

/** Past this many changed lines a file is shown plain: highlighting runs on the page's only thread. */
const maxHighlightedLines = 3_000;

/** Tokens for a file's hunks: highlighted when its language is known, with changed words marked. */
export function tokensFor(hunks: HunkData[], language: string | null): HunkTokens | undefined {
  const lines = hunks.reduce((total, hunk) => total + hunk.changes.length, 0);
  if (lines === 0) return undefined;
  const enhancers = [markEdits(hunks, { type: "block" })];
  try {
    if (language && lines <= maxHighlightedLines && refractor.registered(language)) {
      return tokenize(hunks, { highlight: true, refractor: refractorThree, language, enhancers });
    }
    return tokenize(hunks, { enhancers });
  } catch {
    // A grammar that chokes on a fragment (a hunk starts inside a comment) leaves the file plain.
    return undefined;
  }
}
