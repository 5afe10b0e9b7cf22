import { ENROLMENT_CODE_ALPHABET, ENROLMENT_CODE_PATTERN, EnrolmentCodeText } from "@garageswarm/protocol";
import { describe, expect, it } from "vitest";
import { generateEnrolmentCode, hashEnrolmentCode } from "./code.ts";

describe("pairing codes", () => {
  it("are two groups of four letters from the unambiguous alphabet", () => {
    const codes = Array.from({ length: 500 }, generateEnrolmentCode);
    for (const code of codes) expect(code).toMatch(ENROLMENT_CODE_PATTERN);
    const letters = new Set(codes.join("").replaceAll("-", ""));
    for (const letter of letters) expect(ENROLMENT_CODE_ALPHABET).toContain(letter);
    for (const lookAlike of ["0", "O", "1", "I", "L", "U"]) expect(letters.has(lookAlike)).toBe(false);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it("are read as typed: any case, with or without the dash or spaces", () => {
    for (const typed of ["k7qx-2zpm", "K7QX2ZPM", " k7qx 2zpm ", "K7QX-2ZPM"]) {
      expect(EnrolmentCodeText.parse(typed)).toBe("K7QX-2ZPM");
    }
    for (const bad of ["K7QX-2ZP", "K7QO-2ZPM", "gs_abcdefgh", "", "K7QX-2ZPM-AAAA", "K7QX;2ZPM"]) {
      expect(EnrolmentCodeText.safeParse(bad).success).toBe(false);
    }
  });

  it("are stored as a hash that differs from a plain SHA-256 of the code", () => {
    const hash = hashEnrolmentCode("K7QX-2ZPM");
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain("K7QX");
    expect(hashEnrolmentCode("K7QX-2ZPM")).toBe(hash);
    expect(hashEnrolmentCode("K7QX-2ZPN")).not.toBe(hash);
  });
});
