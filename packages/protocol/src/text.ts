// Text and JSON the database can store: PostgreSQL refuses NUL characters and lone UTF-16 surrogates.
import { z } from "zod";

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when PostgreSQL can store the text: no NUL character and no lone UTF-16 surrogate. */
export function isStorableText(value: string): boolean {
  return !value.includes("\u0000") && !loneSurrogate.test(value);
}

/** Text PostgreSQL can store (a NUL or a lone surrogate would make the database refuse the row). */
export function storableText(max: number) {
  return z.string().max(max).refine(isStorableText, "must not contain NUL or invalid unicode");
}

/** A JSON object PostgreSQL's jsonb can store, bounded by its serialized size. */
export function storableObject(maxBytes: number) {
  return z.record(z.string().max(200), z.unknown()).refine((value) => {
    const json = JSON.stringify(value);
    // JSON.stringify escapes NUL and lone surrogates, which jsonb refuses.
    return json.length <= maxBytes && !/\\u0000|\\ud[89a-f]/i.test(json);
  }, `must be JSON of at most ${maxBytes} bytes, without NUL or invalid unicode`);
}
